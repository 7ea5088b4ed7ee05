import Foundation
import Testing
@testable import Media

/// Corrupted real recordings go through both profiles: a copy with warnings or a typed error,
/// never a crash or a hang.
@Suite(.enabled(if: FFmpeg.isAvailable, FFmpeg.reason), .timeLimit(.minutes(30)))
struct TranscoderFuzzTests {
    func corruptions(of bytes: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            var corrupt = bytes
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                let index = Int.random(in: 0..<corrupt.count, using: &generator)
                corrupt[index] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) { corrupt.removeLast(Int.random(in: 0..<corrupt.count / 2, using: &generator)) }
            return corrupt
        }
    }

    @Test(arguments: ReviewProfile.allCases)
    func corruptedRecordingsGiveACopyOrATypedError(profile: ReviewProfile) async throws {
        let path = try await Fixtures.shared.recording("fuzz.webm", size: "96x64", rate: 15, seconds: 1)
        let bytes = try [UInt8](Data(contentsOfFile: path))
        var copies = 0
        for corrupt in corruptions(of: bytes, count: profile == .audio ? 300 : 60, seed: 11) {
            do {
                _ = try await Transcode.bytes(corrupt, profile: profile)
                copies += 1
            } catch let error as MediaError {
                #expect(error.code != .cancelled)
            }
        }
        #expect(copies > 0)
    }

    @Test func wildTimestampJumpsStayBounded() async throws {
        // Opus packets whose block timestamps leap by hours and back.
        var builder = WebMBuilder()
        builder.tracks = [(1, 2, "A_OPUS", OpusHead(channels: 1, preSkip: 312).bytes)]
        let silence: [UInt8] = [0xF8, 0xFF, 0xFE]
        builder.clusters = [0, 36_000_000, 20, 9_000_000_000_000, 40].map { (UInt64($0), WebMBuilder.simpleBlock(silence)) }
        // Bounded work, checked by size rather than by a wall clock (which is noise on shared
        // machines): gaps are filled with at most ten minutes of silence each, so four jumps give
        // at most ~40 minutes of 3-byte packets, a few MiB, never hours of audio.
        for profile in ReviewProfile.allCases {
            guard let (_, output) = try? await Transcode.bytes(builder.build(), profile: profile) else { continue }
            #expect(output.count < 16 << 20)
        }
    }
}
