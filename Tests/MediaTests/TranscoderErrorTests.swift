import Testing
@testable import Media

/// Inputs that cannot make a copy fail with an error that names the problem, for both profiles.
struct TranscoderErrorTests {
    func failure(_ bytes: [UInt8], _ profile: ReviewProfile) async -> MediaError? {
        do {
            _ = try await Transcode.bytes(bytes, profile: profile)
            return nil
        } catch {
            return error as? MediaError
        }
    }

    @Test(arguments: ReviewProfile.allCases)
    func emptyFileIsReportedAsEmpty(profile: ReviewProfile) async {
        #expect(await failure([], profile)?.code == .emptyInput)
    }

    @Test(arguments: ReviewProfile.allCases)
    func garbageIsReportedAsNotMedia(profile: ReviewProfile) async {
        var generator = SeededGenerator(seed: 3)
        let garbage = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let error = await failure(garbage, profile)
        #expect(error?.code == .notMedia)
        #expect(error?.message.contains("not a WebM") == true)
    }

    @Test func vorbisAudioIsNamedAsUnsupported() async {
        var builder = WebMBuilder()
        builder.tracks = [(1, 2, "A_VORBIS", [2, 0, 0])]
        builder.clusters = [(0, WebMBuilder.simpleBlock([1, 2, 3]))]
        let error = await failure(builder.build(), .audio)
        #expect(error?.code == .unsupportedCodec)
        #expect(error?.message.contains("Vorbis") == true)
    }

    @Test func contentTypesFollowTheProfile() {
        #expect(ReviewProfile.review.outputContentType == "video/webm")
        #expect(ReviewProfile.audio.outputContentType == "audio/ogg")
        #expect(ReviewTranscoder(profile: .audio).outputContentType == "audio/ogg")
    }

    @Test func errorsDescribeThemselvesWithCodeAndOffset() {
        let error = MediaError(.malformed, "bad lace", offset: 42)
        #expect(error.description == "malformed: bad lace (at byte 42)")
    }
}
