import Foundation
import Testing
@testable import Media
import VaultModel

/// The `review` profile on inputs made by ffmpeg and by our own muxer, checked with ffprobe and
/// decoded in full by ffmpeg.
@Suite(.enabled(if: FFmpeg.isAvailable, FFmpeg.reason), .timeLimit(.minutes(30)))
struct ReviewProfileTests {
    let fixtures = Fixtures.shared

    func review(_ input: String, _ name: String) async throws -> (TranscodeReport, String) {
        let output = await fixtures.path(name)
        let report = try await Transcode.file(input, to: output, profile: .review)
        return (report, output)
    }

    @Test func vp8WithStereoOpusBecomesA15FpsVP8CopyWithMonoOpus() async throws {
        let input = try await fixtures.recording("vp8-stereo.webm", size: "640x360", seconds: 3)
        let (report, output) = try await review(input, "vp8-stereo.review.webm")
        try await ReviewCopyCheck.review(output, source: input, sourcePictureAspect: 16.0 / 9)
        #expect(report.framesDecoded == 90)
        #expect(report.framesEncoded == 45)
        #expect(report.framesDropped == 45)
        #expect(abs(try await FFmpeg.countFrames(output) - 45) <= 1)
        #expect(report.output.width == 640 && report.output.height == 360)
        #expect(report.warnings.isEmpty)
    }

    @Test func vp9WithMonoOpusIsDecodedAndScaledDown() async throws {
        let input = try await fixtures.recording(
            "vp9-mono.webm", size: "1280x720", seconds: 2, video: "libvpx-vp9", audioChannels: 1, extra: ["-row-mt", "1"])
        let (report, output) = try await review(input, "vp9-mono.review.webm")
        try await ReviewCopyCheck.review(output, source: input, sourcePictureAspect: 16.0 / 9)
        #expect(report.input.videoCodec == "VP9")
        #expect(report.input.audioChannels == 1)
    }

    @Test func oddDimensionsKeepTheAspectRatioWithEvenSizes() async throws {
        let input = try await fixtures.recording("vp8-odd.webm", size: "321x241", seconds: 2)
        let (report, output) = try await review(input, "vp8-odd.review.webm")
        try await ReviewCopyCheck.review(output, source: input, sourcePictureAspect: 321.0 / 241)
        #expect(report.output.height == 360)
        #expect(report.output.width == 480)
    }

    @Test func lowFrameRateInputKeepsEveryFrame() async throws {
        let input = try await fixtures.recording("vp8-10fps.webm", rate: 10, seconds: 2)
        let (report, output) = try await review(input, "vp8-10fps.review.webm")
        try await ReviewCopyCheck.review(output, source: input)
        #expect(report.framesDropped == 0)
        #expect(report.framesEncoded == 20)
    }

    @Test func resolutionChangeMidStreamIsFittedIntoTheFirstSize() async throws {
        let first = try await fixtures.recording("rc-a.webm", size: "320x240", seconds: 1)
        let second = try await fixtures.recording("rc-b.webm", size: "640x360", seconds: 1)
        let list = await fixtures.path("rc-list.txt")
        try "file '\(first)'\nfile '\(second)'\n".write(toFile: list, atomically: true, encoding: .utf8)
        let input = try await fixtures.file("rc.webm", ["-f", "concat", "-safe", "0", "-i", list, "-c", "copy"])
        let (report, output) = try await review(input, "rc.review.webm")
        try await ReviewCopyCheck.review(output, source: input, sourcePictureAspect: 4.0 / 3)
        #expect(report.warnings.map(\.code) == [.resolutionChanged])
        #expect(report.framesDecoded == 60)
    }

    @Test func unknownSizeClustersWithXiphLacedAudioFromOurOwnMuxer() async throws {
        let source = try await fixtures.recording("live-source.webm", seconds: 2)
        let live = try await LiveRemuxer.remux(try [UInt8](Data(contentsOfFile: source)), lacing: .xiph)
        let input = await fixtures.path("live-xiph.webm")
        try Data(live).write(to: URL(fileURLWithPath: input))
        #expect(try await FFmpeg.decodeErrors(input) == "")
        let (report, output) = try await review(input, "live-xiph.review.webm")
        try await ReviewCopyCheck.review(output, source: source)
        #expect(report.framesDecoded == 60)
        #expect(report.warnings.isEmpty)
    }

    @Test func ebmlLacedAudioIsSplitIntoItsPackets() async throws {
        let source = try await fixtures.recording("live-source2.webm", seconds: 2, audioChannels: 1)
        let live = try await LiveRemuxer.remux(try [UInt8](Data(contentsOfFile: source)), lacing: .ebml, packetsPerLace: 4)
        let input = await fixtures.path("live-ebml.webm")
        try Data(live).write(to: URL(fileURLWithPath: input))
        let (_, output) = try await review(input, "live-ebml.review.webm")
        try await ReviewCopyCheck.review(output, source: source)
        let copy = try await Transcode.file(input, to: await fixtures.path("live-ebml.opus"), profile: .audio)
        let plain = try await Transcode.file(source, to: await fixtures.path("live-source2.opus"), profile: .audio)
        #expect(copy.audioPacketsCopied == plain.audioPacketsCopied)
    }

    @Test func copyStreamedToARewritableSinkEqualsTheBufferedCopy() async throws {
        struct AppendOnlySink: ByteSink {
            var bytes: [UInt8] = []
            mutating func write(_ new: ArraySlice<UInt8>) async throws { bytes += new }
        }
        let input = try [UInt8](Data(contentsOfFile: try await fixtures.recording("vp8-layout.webm", seconds: 2)))
        var plainSource = MemoryByteSource(input)
        var plain = AppendOnlySink()
        let buffered = try await ReviewTranscoder(profile: .review).run(source: &plainSource, sink: &plain)
        var rewritableSource = MemoryByteSource(input)
        var rewritable = MemoryByteSink()
        let streamed = try await ReviewTranscoder(profile: .review).run(source: &rewritableSource, sink: &rewritable)
        #expect(plain.bytes == rewritable.bytes)
        #expect(buffered.outputBytes == Int64(plain.bytes.count))
        #expect(streamed.outputBytes == Int64(rewritable.bytes.count))
    }

    @Test func holeInTheAudioTimelineBecomesSilenceAndKeepsLaterAudioInTime() async throws {
        let source = try await fixtures.recording("gap-source.webm", seconds: 2)
        let gapped = try await LiveRemuxer.remux(try [UInt8](Data(contentsOfFile: source)), lacing: .none, droppingAudio: 30..<45)
        let input = await fixtures.path("gap.webm")
        try Data(gapped).write(to: URL(fileURLWithPath: input))
        let (report, output) = try await review(input, "gap.review.webm")
        try await ReviewCopyCheck.review(output, source: source)
        #expect(report.warnings.map(\.code) == [.audioGaps])
        // The re-encoded audio still spans the whole recording: about 100 packets of 20 ms.
        let packets = try await FFmpeg.run("ffprobe", ["-v", "error", "-select_streams", "a", "-show_entries", "packet=pts", "-of", "csv=p=0", output])
        #expect(abs(packets.out.split(separator: "\n").count - 100) <= 2)
        let audioOutput = await fixtures.path("gap.opus")
        let audio = try await Transcode.file(input, to: audioOutput, profile: .audio)
        #expect(audio.warnings.map(\.code) == [.audioGaps])
        try await ReviewCopyCheck.audio(audioOutput, source: source)
    }

    @Test func reviewCopyMadeByUsIsItselfAValidInput() async throws {
        let input = try await fixtures.recording("vp8-again.webm", seconds: 2)
        let (_, first) = try await review(input, "again-1.webm")
        let (report, second) = try await review(first, "again-2.webm")
        try await ReviewCopyCheck.review(second, source: first)
        #expect(report.framesDropped == 0)
    }

    @Test func recordingCutShortYieldsEverythingDecodableWithAWarning() async throws {
        let input = try await fixtures.recording("cut-source.webm", seconds: 3)
        let bytes = try [UInt8](Data(contentsOfFile: input))
        let cut = await fixtures.path("cut.webm")
        try Data(bytes.prefix(bytes.count * 2 / 3)).write(to: URL(fileURLWithPath: cut))
        let (report, output) = try await review(cut, "cut.review.webm")
        #expect(report.warnings.map(\.code).contains(.truncatedInput))
        #expect(report.framesDecoded > 40 && report.framesDecoded < 90)
        let probe = try await FFmpeg.probe(output)
        #expect(probe.video?.codec_name == "vp8" && probe.audio?.codec_name == "opus")
        let duration = try #require(probe.duration)
        #expect(abs(duration - (report.output.durationSeconds ?? 0)) < 0.07)
        #expect(try await FFmpeg.decodeErrors(output) == "")
    }

    @Test func videoWithoutAudioGivesAVideoOnlyCopy() async throws {
        let input = try await fixtures.recording("vp8-silent.webm", seconds: 2, audioChannels: nil)
        let (report, output) = try await review(input, "vp8-silent.review.webm")
        try await ReviewCopyCheck.review(output, source: input, expectAudio: false)
        #expect(report.warnings.map(\.code) == [.missingTrack])
    }

    @Test func av1VideoIsRefusedByNameButTheAudioProfileStillWorks() async throws {
        let input = try await fixtures.file(
            "av1.webm",
            ["-f", "lavfi", "-i", "testsrc2=size=128x96:rate=30", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "1", "-c:v", "libaom-av1", "-cpu-used", "8", "-c:a", "libopus"])
        await #expect { try await review(input, "av1.review.webm") } throws: { error in
            guard let error = error as? MediaError else { return false }
            return error.code == .unsupportedCodec && error.message.contains("AV1") && error.message.contains("audio profile")
        }
        let output = await fixtures.path("av1.opus")
        let report = try await Transcode.file(input, to: output, profile: .audio)
        try await ReviewCopyCheck.audio(output, source: input)
        #expect(report.audioPacketsCopied > 0)
    }

    @Test func h264InMatroskaIsRefusedByName() async throws {
        let input = try await fixtures.file(
            "h264.mkv",
            ["-f", "lavfi", "-i", "testsrc2=size=128x96:rate=30", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "1", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "libopus", "-f", "matroska"])
        await #expect { try await review(input, "h264.review.webm") } throws: { error in
            (error as? MediaError)?.code == .unsupportedCodec && (error as? MediaError)?.message.contains("H.264") == true
        }
        let output = await fixtures.path("h264.opus")
        _ = try await Transcode.file(input, to: output, profile: .audio)
        try await ReviewCopyCheck.audio(output, source: input)
    }
}
