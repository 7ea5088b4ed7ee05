import Foundation
import Testing
@testable import Media

/// VP9 beyond profile 0 (4:4:4 from GStreamer's vp9enc, 10-bit) is converted to 4:2:0 with libyuv
/// for the review profile; what libyuv cannot convert is refused by name, and the audio profile
/// still copies the audio.
@Suite(.enabled(if: FFmpeg.isAvailable, FFmpeg.reason), .timeLimit(.minutes(20)))
struct VP9ChromaTests {
    let fixtures = Fixtures.shared

    /// The pixel formats tried (profile 0 as the baseline); SSIM against ffmpeg's own conversion.
    @Test(arguments: ["yuv420p", "yuv444p", "yuv422p", "yuv420p10le", "yuv444p10le"])
    func vp9BeyondProfile0BecomesAReviewCopyCloseToFFmpegsConversion(pixelFormat: String) async throws {
        // 15 fps, so every source frame is kept and frames pair one to one for SSIM.
        let input = try await fixtures.recording(
            "vp9-\(pixelFormat).webm", size: "320x240", rate: 15, seconds: 2, video: "libvpx-vp9", audioChannels: 1,
            extra: ["-pix_fmt", pixelFormat])
        let output = await fixtures.path("vp9-\(pixelFormat)-review.webm")
        let report = try await Transcode.file(input, to: output, profile: .review)
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.framesEncoded >= 29)
        try await ReviewCopyCheck.review(output, source: input)
        let ssim = try await FFmpeg.ssim(output, against: input, width: 480, height: 360)
        print("SSIM of the \(pixelFormat) review copy against ffmpeg's conversion: \(ssim)")
        #expect(ssim > 0.96, "SSIM \(ssim)")
    }

    @Test func vp9In440IsRefusedByNameButTheAudioProfileStillWorks() async throws {
        let input = try await fixtures.recording(
            "vp9-yuv440p.webm", size: "320x240", rate: 15, seconds: 1, video: "libvpx-vp9", audioChannels: 1,
            extra: ["-pix_fmt", "yuv440p"])
        await #expect {
            try await Transcode.file(input, to: await fixtures.path("vp9-440.webm"), profile: .review)
        } throws: { error in
            let media = error as? MediaError
            return media?.code == .unsupportedCodec && media?.message.contains("4:4:0") == true
        }
        let audio = await fixtures.path("vp9-440.opus")
        _ = try await Transcode.file(input, to: audio, profile: .audio)
        try await ReviewCopyCheck.audio(audio, source: input)
    }
}
