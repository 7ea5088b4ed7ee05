import Foundation
import Testing
@testable import Media

struct OggOpusWriterTests {
    @Test func crcMatchesTheOggPolynomial() {
        // CRC-32/MPEG-2 style without reflection and with zero init: "123456789" -> 0x89A1897F.
        #expect(OggPage.checksum(Array("123456789".utf8)) == 0x89A1_897F)
    }

    @Test func opusHeadRoundTrips() {
        let head = OpusHead(channels: 2, preSkip: 312, inputSampleRate: 44_100)
        #expect(OpusHead(parsing: head.bytes) == head)
        #expect(OpusHead(parsing: Array("OpusTags".utf8) + [UInt8](repeating: 0, count: 12)) == nil)
    }

    func write(packets: Int, trimTo playable: Int64?) async throws -> [UInt8] {
        var writer = OggOpusWriter(head: OpusHead(channels: 1, preSkip: 312))
        var sink = MemoryByteSink()
        for index in 0..<packets { try await writer.write(packet: [0xF8, UInt8(index & 0xFF)], samples: 960, to: &sink) }
        try await writer.finish(playableSamples: playable, to: &sink)
        return sink.bytes
    }

    @Test func pagesCarryGranulesAndTheLastPageEndsTheStream() async throws {
        let bytes = try await write(packets: 120, trimTo: 114_000)
        var pages: [(flags: UInt8, granule: Int64)] = []
        var offset = 0
        while offset + 27 <= bytes.count {
            #expect(Array(bytes[offset..<offset + 4]) == Array("OggS".utf8))
            let granule = (0..<8).reduce(Int64(0)) { $0 | Int64(bytes[offset + 6 + $1]) << (8 * Int64($1)) }
            let segments = Int(bytes[offset + 26])
            let body = bytes[(offset + 27)..<(offset + 27 + segments)].reduce(0) { $0 + Int($1) }
            pages.append((bytes[offset + 5], granule))
            offset += 27 + segments + body
        }
        #expect(offset == bytes.count)
        #expect(pages.first?.flags == OggPage.beginOfStream)
        #expect(pages.last?.flags == OggPage.endOfStream)
        let lastGranule: Int64? = pages.last?.granule
        #expect(lastGranule == Int64(312 + 114_000))
        #expect(pages.count == 2 + 3)
        #expect(pages.map(\.granule) == pages.map(\.granule).sorted())
    }

    @Test func probeReadsTheOggFacts() async throws {
        let bytes = try await write(packets: 100, trimTo: 95_000)
        var probe = MediaProbe()
        for start in stride(from: 0, to: bytes.count, by: 100) {
            bytes[start..<min(bytes.count, start + 100)].withUnsafeBytes { probe.consume($0) }
        }
        let facts = probe.facts()
        #expect(facts?.container == "ogg")
        #expect(facts?.audioCodec == "Opus")
        #expect(facts?.audioChannels == 1)
        #expect(abs((facts?.durationSeconds ?? 0) - 95_000.0 / 48_000) < 0.001)
    }
}
