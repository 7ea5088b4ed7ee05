import Foundation
import Testing
@testable import Media

struct WebMMuxerTests {
    static func tracks() -> [MediaTrack] {
        var video = MediaTrack(number: 1, kind: .video, codecID: "V_VP8")
        video.width = 320
        video.height = 180
        var audio = MediaTrack(number: 2, kind: .audio, codecID: "A_OPUS")
        audio.codecPrivate = OpusHead(channels: 1, preSkip: 312).bytes
        audio.codecDelayNs = 6_500_000
        audio.seekPreRollNs = 80_000_000
        audio.channels = 1
        audio.sampleRate = 48_000
        return [video, audio]
    }

    /// Video key frames every second over `seconds`, interleaved with 20 ms audio packets.
    static func packets(seconds: Int) -> [MediaPacket] {
        var packets: [MediaPacket] = []
        for frame in 0..<(seconds * 15) {
            packets.append(MediaPacket(track: 1, timestampNs: Int64(frame) * 66_666_667, isKeyframe: frame % 15 == 0, data: [UInt8(frame & 0xFF), 1, 2]))
        }
        for index in 0..<(seconds * 50) {
            packets.append(MediaPacket(track: 2, timestampNs: Int64(index) * 20_000_000, isKeyframe: true, data: [0xF8, UInt8(index & 0xFF)]))
        }
        return packets.sorted { $0.timestampNs < $1.timestampNs }
    }

    func mux(_ layout: WebMMuxer.Layout, seconds: Int = 5) async throws -> [UInt8] {
        var muxer = try WebMMuxer(tracks: Self.tracks(), options: .init(layout: layout))
        var sink = MemoryByteSink()
        for packet in Self.packets(seconds: seconds) { try await muxer.add(packet, to: &sink) }
        muxer.extendDuration(toNs: Int64(seconds) * 1_000_000_000)
        try await muxer.finish(rewriting: &sink)
        return sink.bytes
    }

    @Test func muxedFileDemuxesBackToTheSamePackets() async throws {
        let bytes = try await mux(.buffered)
        let result = try await demuxAll(bytes, chunkSize: 4096)
        #expect(result.end == .complete)
        #expect(result.tracks.map(\.codecID) == ["V_VP8", "A_OPUS"])
        #expect(result.tracks[1].codecDelayNs == 6_500_000)
        let expected = Self.packets(seconds: 5).map { packet in
            (packet.track, (packet.timestampNs + 500_000) / 1_000_000 * 1_000_000, packet.data)
        }
        #expect(result.packets.count == expected.count)
        #expect(result.packets.map(\.data) == expected.map(\.2))
        #expect(result.packets.map(\.timestampNs) == expected.map(\.1))
    }

    @Test func clustersStartWithVideoKeyFramesAndCuesIndexThem() async throws {
        let bytes = try await mux(.buffered)
        var reader = EBMLReader()
        reader.blockFilter = .all
        bytes.withUnsafeBytes { reader.append($0) }
        var clusters = 0
        var firstBlockIsKey: [Bool] = []
        var awaitingFirst = false
        var sawCues = false
        var sawSeekHead = false
        while let event = try reader.next() {
            switch event {
            case .enter(let header) where header.id == MatroskaID.cluster:
                clusters += 1
                awaitingFirst = true
            case .element(let header, let payload) where header.id == MatroskaID.simpleBlock && awaitingFirst:
                firstBlockIsKey.append(payload[0] == 0x81 && payload[3] & 0x80 != 0)
                awaitingFirst = false
            case .skipped(let header) where header.id == MatroskaID.cues:
                sawCues = true
            case .skipped(let header) where header.id == MatroskaID.seekHead:
                sawSeekHead = true
            default:
                break
            }
        }
        #expect(clusters == 5)
        #expect(firstBlockIsKey == Array(repeating: true, count: 5))
        #expect(sawCues && sawSeekHead)
    }

    @Test func rewritableLayoutWritesTheSameFileAsTheBufferedOne() async throws {
        let buffered = try await mux(.buffered)
        let streamed = try await mux(.rewritable)
        #expect(buffered == streamed)
    }

    @Test(.enabled(if: FFmpeg.isAvailable, FFmpeg.reason))
    func ffprobeFindsDurationAndCues() async throws {
        let path = await Fixtures.shared.path("muxer-unit.webm")
        try Data(try await mux(.buffered, seconds: 6)).write(to: URL(fileURLWithPath: path))
        let probe = try await FFmpeg.probe(path)
        #expect(abs((probe.duration ?? 0) - 6) < 0.01)
        #expect(probe.video?.width == 320)
        // Seeking through the index lands without scanning errors.
        let seek = try await FFmpeg.run("ffprobe", ["-v", "error", "-read_intervals", "4%+0.5", "-show_entries", "packet=pts_time", "-of", "csv", path])
        #expect(seek.status == 0)
        #expect(seek.out.contains("4."))
    }

    @Test func duplicateTrackNumbersAreRefused() {
        var tracks = Self.tracks()
        tracks[1].number = 1
        #expect { try WebMMuxer(tracks: tracks) } throws: { ($0 as? MediaError)?.code == .noUsableTrack }
    }
}
