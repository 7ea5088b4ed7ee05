import Foundation
import Testing
@testable import Media

/// The `audio` profile: Opus copied packet by packet into Ogg, checked with ffprobe.
@Suite(.enabled(if: FFmpeg.isAvailable, FFmpeg.reason), .timeLimit(.minutes(30)))
struct AudioProfileTests {
    let fixtures = Fixtures.shared

    @Test(arguments: [1, 2])
    func opusIsCopiedPacketByPacketIntoOgg(channels: Int) async throws {
        let input = try await fixtures.recording("audio-\(channels).webm", seconds: 2, audioChannels: channels)
        let output = await fixtures.path("audio-\(channels).opus")
        let report = try await Transcode.file(input, to: output, profile: .audio)
        try await ReviewCopyCheck.audio(output, source: input)
        #expect(report.framesDecoded == 0 && report.audioPacketsEncoded == 0)
        #expect(report.output.container == "ogg" && report.output.audioChannels == channels)
        // The packets are the source's, byte for byte.
        let (_, sourcePackets, _) = try await demuxAll(try [UInt8](Data(contentsOfFile: input)), chunkSize: 1 << 16)
        let ours = try await FFmpeg.run("ffprobe", ["-v", "error", "-select_streams", "a", "-show_entries", "packet=size", "-of", "csv=p=0", output])
        let sizes = ours.out.split(separator: "\n").compactMap { $0.split(separator: ",").first.flatMap { Int($0) } }
        #expect(sizes == sourcePackets.filter { $0.track == 2 }.map(\.data.count))
    }

    @Test func truncatedRecordingStillGivesItsAudioWithAWarning() async throws {
        let input = try await fixtures.recording("audio-cut-source.webm", seconds: 3)
        let bytes = try [UInt8](Data(contentsOfFile: input))
        let cut = await fixtures.path("audio-cut.webm")
        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: cut))
        let output = await fixtures.path("audio-cut.opus")
        let report = try await Transcode.file(cut, to: output, profile: .audio)
        #expect(report.warnings.map(\.code) == [.truncatedInput])
        #expect(try await FFmpeg.decodeErrors(output) == "")
        #expect((report.output.durationSeconds ?? 0) > 1)
    }

    @Test func inputWithoutAudioIsRefusedClearly() async throws {
        let input = try await fixtures.recording("audio-none.webm", seconds: 1, audioChannels: nil)
        await #expect { try await Transcode.file(input, to: await fixtures.path("none.opus"), profile: .audio) } throws: { error in
            (error as? MediaError)?.code == .noUsableTrack
        }
    }
}
