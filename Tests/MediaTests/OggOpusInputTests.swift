import Foundation
import Testing
@testable import Media

/// Ogg Opus recordings (audio-only sessions, as ffmpeg and opusenc write them) as input to both
/// profiles, checked with ffprobe and ffmpeg; damaged Ogg input fails with a code and an offset.
@Suite(.enabled(if: FFmpeg.isAvailable, FFmpeg.reason), .timeLimit(.minutes(20)))
struct OggOpusInputTests {
    let fixtures = Fixtures.shared

    /// The writers and channel counts tried; opusenc cases are skipped when opus-tools is missing.
    static let sources: [(tool: String, channels: Int)] = [("ffmpeg", 1), ("ffmpeg", 2), ("opusenc", 1), ("opusenc", 2)]
        .filter { $0.tool == "ffmpeg" || FFmpeg.hasOpusenc }

    func source(_ tool: String, _ channels: Int) async throws -> String {
        try await fixtures.oggOpus(tool: tool, channels: channels)
    }

    @Test(arguments: sources)
    func audioProfileCopiesOggOpusPacketsByteForByte(tool: String, channels: Int) async throws {
        let input = try await source(tool, channels)
        let output = await fixtures.path("ogg-\(tool)-\(channels)-copy.opus")
        let report = try await Transcode.file(input, to: output, profile: .audio)
        #expect(report.input.container == "ogg" && report.input.audioCodec == "Opus")
        #expect(report.output.container == "ogg" && report.output.audioChannels == channels)
        #expect(report.audioPacketsCopied > 0 && report.audioPacketsEncoded == 0)
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        let sourcePackets = try await FFmpeg.audioPacketHashes(input)
        #expect(!sourcePackets.isEmpty)
        #expect(try await FFmpeg.audioPacketHashes(output) == sourcePackets)
        // Same pre-skip and end trimming: the same playable length, to the sample as ffprobe counts it.
        try await ReviewCopyCheck.audio(output, source: input)
        let copied = try #require(try await FFmpeg.probe(output).duration)
        let original = try #require(try await FFmpeg.probe(input).duration)
        #expect(abs(copied - original) < 0.001, "duration \(copied) vs source \(original)")
    }

    @Test(arguments: sources)
    func reviewProfileGivesMonoOpusInWebMWithoutVideo(tool: String, channels: Int) async throws {
        let input = try await source(tool, channels)
        let output = await fixtures.path("ogg-\(tool)-\(channels)-review.webm")
        let report = try await Transcode.file(input, to: output, profile: .review)
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.output.container == "webm" && report.output.videoCodec == nil && report.output.audioChannels == 1)
        let probed = try await FFmpeg.probe(output)
        #expect(probed.streams.count == 1 && probed.video == nil)
        #expect(probed.audio?.codec_name == "opus" && probed.audio?.channels == 1)
        // Within one 20 ms Opus frame of the source.
        try ReviewCopyCheck.durationMatches(probed, try await FFmpeg.probe(input), tolerance: 0.02)
        #expect(try await FFmpeg.decodeErrors(output) == "")
    }

    @Test(arguments: sources)
    func probeFindsOggOpusWithChannelsRateAndDuration(tool: String, channels: Int) async throws {
        let input = try await source(tool, channels)
        var probe = MediaProbe()
        let bytes = try [UInt8](Data(contentsOfFile: input))
        for start in stride(from: 0, to: bytes.count, by: 777) {
            bytes[start..<min(bytes.count, start + 777)].withUnsafeBytes { probe.consume($0) }
        }
        let facts = try #require(probe.facts())
        #expect(facts.container == "ogg" && facts.audioCodec == "Opus" && facts.videoCodec == nil)
        #expect(facts.audioChannels == channels && facts.audioSampleRate == 48_000)
        // ffprobe's Ogg duration is the last granule position, pre-skip included; ours is the playable length.
        let head = try #require(OpusHead(parsing: Array(bytes[28..<28 + Int(bytes[27])])))
        let playable = try #require(try await FFmpeg.probe(input).duration) - Double(head.preSkip) / 48_000
        #expect(abs((facts.durationSeconds ?? 0) - playable) < 0.001, "\(facts.durationSeconds ?? 0) vs \(playable)")
    }

    @Test func demuxerGivesTimestampsFromGranulePositions() async throws {
        let input = try await source("ffmpeg", 1)
        var source = try FileSource(input, chunkSize: 1000)
        var demuxer = OggOpusDemuxer()
        guard case .tracks(let tracks) = try await demuxer.next(from: &source) else {
            Issue.record("no track list first")
            return
        }
        let head = try #require(OpusHead(parsing: tracks[0].codecPrivate))
        #expect(tracks.count == 1 && tracks[0].codecID == "A_OPUS" && tracks[0].channels == 1)
        #expect(tracks[0].codecDelayNs == head.preSkipNs && head.preSkip > 0)
        var packets: [MediaPacket] = []
        while case .packet(let packet)? = try await demuxer.next(from: &source) { packets.append(packet) }
        #expect(demuxer.endState == .complete)
        #expect(packets.first?.timestampNs == 0)
        for (earlier, later) in zip(packets, packets.dropFirst()) {
            #expect(later.timestampNs == earlier.timestampNs + (earlier.durationNs ?? 0))
        }
        // 3 s of audio plus pre-skip, padded to whole 20 ms packets: the padding is trimmed at the end.
        let last = try #require(packets.last)
        let end = last.timestampNs + (last.durationNs ?? 0) - last.discardPaddingNs - head.preSkipNs
        #expect(end == 3_000_000_000)
    }

    @Test(arguments: ReviewProfile.allCases)
    func corruptedPageFailsItsCRCCheckWithThePageOffset(profile: ReviewProfile) async throws {
        var bytes = try [UInt8](Data(contentsOfFile: try await source("ffmpeg", 2)))
        let pages = Self.pageOffsets(bytes)
        try #require(pages.count >= 4)
        bytes[pages[3] + 40] ^= 0x01
        let error = await failure(bytes, profile)
        #expect(error?.code == .malformed)
        #expect(error?.offset == Int64(pages[3]))
        #expect(error?.message.contains("CRC") == true)
    }

    @Test(arguments: ReviewProfile.allCases)
    func fileCutInsideAPageIsTruncatedWithTheOffset(profile: ReviewProfile) async throws {
        let bytes = try [UInt8](Data(contentsOfFile: try await source("ffmpeg", 1)))
        let pages = Self.pageOffsets(bytes)
        let cut = pages[pages.count - 2] + 100
        let error = await failure(Array(bytes.prefix(cut)), profile)
        #expect(error?.code == .truncated)
        #expect(error?.offset == Int64(pages[pages.count - 2]))
        #expect(error?.message.contains("inside a page") == true)
        // Cut inside the headers: truncated too.
        #expect(await failure(Array(bytes.prefix(pages[1] + 10)), profile)?.code == .truncated)
    }

    @Test(arguments: ReviewProfile.allCases)
    func oggWithoutOpusIsRefusedByCodecName(profile: ReviewProfile) async throws {
        let input = try await fixtures.file("tone.oga", ["-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "1", "-c:a", "flac", "-f", "ogg"])
        let error = await failure(try [UInt8](Data(contentsOfFile: input)), profile)
        #expect(error?.code == .unsupportedCodec)
        #expect(error?.message.contains("FLAC") == true)
    }

    @Test func cutAtEveryPageBoundaryOrCorruptedAnywhereFailsCleanly() async throws {
        let bytes = try [UInt8](Data(contentsOfFile: try await source("opusenc", 1)))
        let pages = Self.pageOffsets(bytes)
        // Cut on a page boundary after the headers: a recording never closed, copied up to there.
        for cut in pages.dropFirst(2) {
            let (report, _) = try await Transcode.bytes(Array(bytes.prefix(cut)), profile: .audio)
            #expect(report.warnings.isEmpty)
        }
        // Any flipped byte is caught by the page CRC (or the page structure), never copied.
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            var damaged = bytes
            damaged[Int.random(in: 0..<bytes.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
            let code = await failure(damaged, .audio)?.code
            #expect(code == .malformed || code == .truncated || code == .notMedia || code == .limitExceeded, "\(String(describing: code))")
        }
    }

    func failure(_ bytes: [UInt8], _ profile: ReviewProfile) async -> MediaError? {
        do {
            _ = try await Transcode.bytes(bytes, profile: profile)
            return nil
        } catch {
            return error as? MediaError
        }
    }

    /// Where each Ogg page starts (the file's own pages: capture pattern and version 0).
    static func pageOffsets(_ bytes: [UInt8]) -> [Int] {
        var offsets: [Int] = []
        var index = 0
        while index + 27 <= bytes.count, bytes[index..<index + 4].elementsEqual("OggS".utf8) {
            offsets.append(index)
            let segments = Int(bytes[index + 26])
            index += 27 + segments + bytes[(index + 27)..<(index + 27 + segments)].reduce(0) { $0 + Int($1) }
        }
        return offsets
    }
}
