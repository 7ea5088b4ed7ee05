import Testing
@testable import Media

/// Hostile input gets a typed error, promptly, in bounded memory; never a crash or a hang.
struct HostileInputTests {
    func code(of bytes: [UInt8], limits: DemuxLimits = DemuxLimits()) async -> MediaError.Code? {
        do {
            _ = try await demuxAll(bytes, chunkSize: 1000, limits: limits)
            return nil
        } catch {
            return error.code
        }
    }

    func validFile() -> [UInt8] {
        var builder = WebMBuilder()
        builder.tracks = [(1, 1, "V_VP8", []), (2, 2, "A_OPUS", OpusHead(channels: 2, preSkip: 312).bytes)]
        builder.clusters = (0..<4).map { index in
            (UInt64(index * 100), WebMBuilder.simpleBlock([UInt8(index), 1, 2]) + WebMBuilder.simpleBlock(track: 2, relative: 20, [0xFC, 9]))
        }
        return builder.build()
    }

    @Test func emptyInputIsReportedAsEmpty() async {
        #expect(await code(of: []) == .emptyInput)
    }

    @Test func textIsNotMedia() async {
        #expect(await code(of: Array("hello, this is not a video at all".utf8)) == .notMedia)
    }

    @Test func randomBytesAreNotMedia() async {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<50 {
            let bytes = (0..<Int.random(in: 1...4000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let result = await code(of: bytes)
            #expect(result != nil)
        }
    }

    @Test func otherEBMLDocumentsAreNotMedia() async {
        var writer = EBMLWriter()
        writer.append(WebMBuilder.ebmlHeader(docType: "notwebm"))
        #expect(await code(of: writer.bytes) == .notMedia)
    }

    @Test func hugeDeclaredBlockIsRefusedBeforeAnyAllocation() async {
        var bytes = WebMBuilder().build()
        bytes += EBMLVarInt.encodeID(MatroskaID.cluster) + EBMLVarInt.unknownSize
        bytes += EBMLVarInt.encodeID(MatroskaID.simpleBlock) + EBMLVarInt.encodeSize(1 << 40, length: 8)
        var builder = WebMBuilder()
        builder.unknownSizes = true
        let live = builder.build() + Array(bytes.suffix(4 + 8 + 1 + 8))
        #expect(await code(of: live) == .limitExceeded)
    }

    @Test func skippedElementsStreamThroughWithoutBeingStored() throws {
        var reader = EBMLReader(limits: .init(maxDepth: 12, maxPayloadSize: 1024))
        var prefix = WebMBuilder().build()
        prefix += EBMLVarInt.encodeID(MatroskaID.void) + EBMLVarInt.encodeSize(64 << 20, length: 8)
        prefix.withUnsafeBytes { reader.append($0) }
        let chunk = [UInt8](repeating: 0, count: 64 << 10)
        var largest = 0
        for _ in 0..<1024 {
            while try reader.next() != nil {}
            chunk.withUnsafeBytes { reader.append($0) }
            largest = max(largest, reader.bufferedByteCount)
        }
        while try reader.next() != nil {}
        #expect(largest <= chunk.count)
        #expect(reader.isAtCleanEnd)
    }

    @Test func elementOverrunningItsParentIsMalformed() async {
        var builder = WebMBuilder()
        builder.clusters = [(0, WebMBuilder.simpleBlock([1, 2, 3]))]
        var bytes = builder.build()
        // Make the SimpleBlock claim 0x70 bytes inside a cluster that holds far fewer.
        let index = bytes.lastIndex(of: 0xA3)!
        bytes[index + 1] = 0xF0
        #expect(await code(of: bytes) == .malformed)
    }

    @Test func nestingBeyondTheDepthLimitIsRefused() async {
        #expect(await code(of: validFile(), limits: DemuxLimits(maxDepth: 2)) == .limitExceeded)
    }

    @Test func deeplyNestedMisplacedMastersAreSkippedNotRecursed() async throws {
        var inner: [UInt8] = [0xEC, 0x80]
        for _ in 0..<2000 {
            inner = EBMLVarInt.encodeID(MatroskaID.blockGroup) + EBMLVarInt.encodeSize(UInt64(inner.count), length: 8) + inner
        }
        var builder = WebMBuilder()
        builder.clusters = [(0, WebMBuilder.simpleBlock([1]) + EBMLVarInt.encodeID(MatroskaID.blockGroup) + EBMLVarInt.encodeSize(UInt64(inner.count), length: 8) + inner)]
        let result = try await demuxAll(builder.build(), chunkSize: 4096)
        #expect(result.packets.count == 1)
    }

    @Test func clusterBeforeTracksIsMalformed() async {
        var writer = EBMLWriter()
        writer.append(WebMBuilder.ebmlHeader())
        writer.unknownSizeHeader(MatroskaID.segment)
        writer.master(MatroskaID.cluster) { c in c.unsigned(MatroskaID.timestamp, 0) }
        #expect(await code(of: writer.bytes) == .malformed)
    }

    @Test func zeroTimestampScaleIsMalformed() async {
        var builder = WebMBuilder()
        builder.timestampScale = 0
        #expect(await code(of: builder.build()) == .malformed)
    }

    @Test func everyPrefixOfAValidFileEitherDemuxesAPrefixOrFailsWithATypedError() async throws {
        let bytes = validFile()
        let full = try await demuxAll(bytes)
        for length in 0..<bytes.count {
            do {
                let partial = try await demuxAll(Array(bytes.prefix(length)), chunkSize: 13)
                #expect(Array(full.packets.prefix(partial.packets.count)) == partial.packets)
                #expect(partial.end != .complete || partial.packets.count == full.packets.count || length > 0)
            } catch {
                #expect([.emptyInput, .notMedia, .truncated].contains(error.code), "prefix \(length): \(error)")
            }
        }
    }

    @Test func randomlyCorruptedFilesNeverCrashOrHang() async {
        let bytes = validFile()
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<2000 {
            var corrupt = bytes
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                corrupt[Int.random(in: 0..<corrupt.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = await code(of: corrupt)
            var probe = MediaProbe()
            corrupt.withUnsafeBytes { probe.consume($0) }
            _ = probe.facts()
        }
    }
}

/// A small deterministic random generator (SplitMix64) so fuzz cases repeat.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
