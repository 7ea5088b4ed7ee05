import Testing
@testable import Media

struct WebMDemuxerTests {
    func twoClusterFile(unknownSizes: Bool = false) -> [UInt8] {
        var builder = WebMBuilder()
        builder.unknownSizes = unknownSizes
        builder.clusters = [
            (0, WebMBuilder.simpleBlock(relative: 0, [1, 1]) + WebMBuilder.simpleBlock(relative: 33, flags: 0, [2])),
            (66, WebMBuilder.simpleBlock(relative: 0, flags: 0, [3]) + WebMBuilder.simpleBlock(relative: 34, [4, 4, 4])),
        ]
        return builder.build()
    }

    @Test func readsTracksAndTimedPacketsFromKnownSizeClusters() async throws {
        let result = try await demuxAll(twoClusterFile())
        #expect(result.tracks.map(\.codecID) == ["V_VP8"])
        #expect(result.tracks.first?.width == 64)
        #expect(result.packets.map(\.timestampNs) == [0, 33_000_000, 66_000_000, 100_000_000])
        #expect(result.packets.map(\.isKeyframe) == [true, false, false, true])
        #expect(result.packets.map(\.data) == [[1, 1], [2], [3], [4, 4, 4]])
        #expect(result.end == .complete)
    }

    @Test func unknownSizeSegmentAndClustersEndAtTheNextClusterAndAtEndOfInput() async throws {
        let known = try await demuxAll(twoClusterFile())
        let live = try await demuxAll(twoClusterFile(unknownSizes: true), chunkSize: 3)
        #expect(live.packets == known.packets)
        #expect(live.end == .complete)
    }

    @Test func timestampScaleIsApplied() async throws {
        var builder = WebMBuilder()
        builder.timestampScale = 500_000
        builder.clusters = [(10, WebMBuilder.simpleBlock(relative: 4, [9]))]
        let result = try await demuxAll(builder.build())
        #expect(result.packets.first?.timestampNs == 7_000_000)
    }

    @Test func blockGroupWithoutReferenceIsAKeyFrameAndKeepsDiscardPadding() async throws {
        var group = EBMLWriter()
        group.master(MatroskaID.blockGroup) { g in
            g.binary(MatroskaID.block, [0x81, 0x00, 0x05, 0x00, 7, 7])
            g.signed(MatroskaID.discardPadding, 2_500_000)
        }
        var other = EBMLWriter()
        other.master(MatroskaID.blockGroup) { g in
            g.binary(MatroskaID.block, [0x81, 0x00, 0x06, 0x00, 8])
            g.signed(MatroskaID.referenceBlock, -1)
        }
        var builder = WebMBuilder()
        builder.clusters = [(0, group.bytes + other.bytes)]
        let result = try await demuxAll(builder.build())
        #expect(result.packets.map(\.isKeyframe) == [true, false])
        #expect(result.packets.first?.discardPaddingNs == 2_500_000)
    }

    @Test func lacedOpusFramesGetTimestampsFromTheirTOC() async throws {
        var builder = WebMBuilder()
        builder.tracks = [(2, 2, "A_OPUS", OpusHead(channels: 1, preSkip: 312).bytes)]
        // Three 20 ms CELT frames (config 31, code 0) in one fixed-size lace.
        let frame: [UInt8] = [0xF8, 1, 2, 3]
        builder.clusters = [(1000, WebMBuilder.simpleBlock(track: 2, flags: 0x84, [2] + frame + frame + frame))]
        let result = try await demuxAll(builder.build())
        #expect(result.packets.map(\.timestampNs) == [1_000_000_000, 1_020_000_000, 1_040_000_000])
        #expect(result.packets.allSatisfy { $0.data == frame && $0.durationNs == 20_000_000 })
    }

    @Test func blocksOfUnselectedTracksAreSkipped() async throws {
        var builder = WebMBuilder()
        builder.tracks = [(1, 1, "V_VP8", []), (2, 2, "A_OPUS", [])]
        builder.clusters = [(0, WebMBuilder.simpleBlock(track: 1, [1]) + WebMBuilder.simpleBlock(track: 2, [0xF8]))]
        var demuxer = WebMDemuxer()
        demuxer.selectTracks([2])
        var source = MemoryByteSource(builder.build(), chunkSize: 5)
        var packets: [MediaPacket] = []
        while let event = try await demuxer.next(from: &source) {
            if case .packet(let packet) = event { packets.append(packet) }
        }
        #expect(packets.map(\.track) == [2])
    }

    @Test func fileCutShortInsideABlockEndsAsTruncatedWithTheCompletePackets() async throws {
        let bytes = twoClusterFile(unknownSizes: true)
        let result = try await demuxAll(Array(bytes.dropLast(2)))
        #expect(result.packets.count == 3)
        #expect(result.end == .truncated(atByte: Int64(bytes.count - 2)))
    }

    @Test func matroskaDocTypeIsAccepted() async throws {
        var builder = WebMBuilder()
        builder.docType = "matroska"
        builder.clusters = [(0, WebMBuilder.simpleBlock([1]))]
        var demuxer = WebMDemuxer()
        var source = MemoryByteSource(builder.build())
        _ = try await demuxer.next(from: &source)
        #expect(demuxer.docType == "matroska")
    }
}
