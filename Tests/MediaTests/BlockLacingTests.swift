import Testing
@testable import Media

struct BlockLacingTests {
    let header: [UInt8] = [0x81, 0x00, 0x10]

    @Test func unlacedBlockIsOneFrame() throws {
        let block = try MatroskaBlock(parsing: header + [0x80, 1, 2, 3], offset: 0)
        #expect(block.track == 1)
        #expect(block.relativeTimestamp == 16)
        #expect(block.isKeyframe)
        #expect(block.frames == [4..<7])
    }

    @Test func xiphLacingSplitsBySizeRuns() throws {
        // 3 frames: sizes 300 (255 + 45), 2, and the rest (4).
        let payload = header + [0x82, 2, 255, 45, 2] + [UInt8](repeating: 7, count: 306)
        let block = try MatroskaBlock(parsing: payload, offset: 0)
        #expect(block.frames.map(\.count) == [300, 2, 4])
    }

    @Test func ebmlLacingUsesSignedDifferences() throws {
        // 3 frames: 300, 298 (difference -2 as a 2-byte signed vint), rest 10.
        let first = EBMLVarInt.encodeSize(300)
        let bias = 8191 - 2  // (2^13 - 1) + (-2)
        let difference: [UInt8] = [UInt8(0x40 | (bias >> 8)), UInt8(bias & 0xFF)]
        let payload = header + [0x86, 2] + first + difference + [UInt8](repeating: 1, count: 608)
        let block = try MatroskaBlock(parsing: payload, offset: 0)
        #expect(block.frames.map(\.count) == [300, 298, 10])
    }

    @Test func fixedLacingDividesEvenly() throws {
        let block = try MatroskaBlock(parsing: header + [0x84, 3] + [UInt8](repeating: 0, count: 40), offset: 0)
        #expect(block.frames.map(\.count) == [10, 10, 10, 10])
    }

    @Test func fixedLacingThatDoesNotDivideIsMalformed() {
        #expect { try MatroskaBlock(parsing: header + [0x84, 2] + [1, 2, 3, 4], offset: 0) } throws: { ($0 as? MediaError)?.code == .malformed }
    }

    @Test func laceSizesBeyondTheBlockAreMalformed() {
        let xiph = header + [0x82, 1, 255, 255, 255, 3, 1]
        #expect { try MatroskaBlock(parsing: xiph, offset: 0) } throws: { ($0 as? MediaError)?.code == .malformed }
        let ebml = header + [0x86, 1, 0x10, 0x00, 0x00, 0x10]
        #expect { try MatroskaBlock(parsing: ebml, offset: 0) } throws: { ($0 as? MediaError)?.code == .malformed }
    }

    @Test func blockShorterThanItsHeaderIsMalformed() {
        #expect { try MatroskaBlock(parsing: [0x81, 0x00], offset: 0) } throws: { ($0 as? MediaError)?.code == .malformed }
        #expect { try MatroskaBlock(parsing: [], offset: 0) } throws: { ($0 as? MediaError)?.code == .malformed }
    }
}
