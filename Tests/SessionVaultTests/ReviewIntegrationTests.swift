import TestSupport
import Foundation
import Testing

/// Review copies made from the encrypted store, checked with ffprobe and decoded by ffmpeg.
@Suite("Review copies from the vault", .serialized, .timeLimit(.minutes(30)))
struct ReviewIntegrationTests {
    static func tool(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/usr/local/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ path: String, _ args: [String]) async throws -> String {
        let result = try await ChildProcess.run(URL(fileURLWithPath: path), args)
        guard result.succeeded else { throw CLIFailure(message: "\(path) \(args.joined(separator: " ")): \(result.stderr)") }
        return result.out + result.stderr
    }

    @Test func reviewAudioAndStoredCopiesAreValidMediaAndFactsAreRecorded() async throws {
        guard let ffmpeg = Self.tool("ffmpeg"), let ffprobe = Self.tool("ffprobe") else {
            print("skipping: ffmpeg/ffprobe are not installed; `make test` installs them")
            return
        }
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let input = work.appendingPathComponent("in.webm")
        _ = try await Self.run(ffmpeg, ["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i",
                                  "sine=frequency=440:sample_rate=48000", "-t", "3", "-c:v", "libvpx", "-b:v", "1M", "-c:a", "libopus",
                                  "-ac", "2", input.path])
        let id = try await cli.expectOK(["ingest", input.path, "--session", "S1", "--clinician", "dr-a", "--class", "care"]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)

        // Media facts are read during ingest, without a second pass.
        let listing = try #require(try JSONSerialization.jsonObject(with: try await cli.expectOK(["ls", "--json"]).stdout) as? [[String: Any]])
        let media = try #require(listing.first?["media"] as? [String: Any])
        #expect(media["videoCodec"] as? String == "VP8")
        #expect(media["width"] as? Int == 1280 && media["height"] as? Int == 720)
        #expect(media["audioCodec"] as? String == "Opus")

        let review = work.appendingPathComponent("review.webm")
        try await cli.expectOK(["review", id, "--as", "clinician", "-o", review.path])
        let streams = try await Self.run(ffprobe, ["-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", review.path])
        #expect(streams.contains("vp8,640,360"))
        #expect(streams.contains("opus"))
        let duration = Double(try await Self.run(ffprobe, ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", review.path])
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(abs(duration - 3.0) < 0.15)
        _ = try await Self.run(ffmpeg, ["-v", "error", "-i", review.path, "-f", "null", "-"])

        let audio = work.appendingPathComponent("audio.ogg")
        try await cli.expectOK(["review", id, "--as", "clinician", "--profile", "audio", "-o", audio.path])
        #expect(try await Self.run(ffprobe, ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", audio.path]).contains("opus"))

        // Stored as a derived recording: readable by the same roles, linked to its source.
        let stored = try await cli.expectOK(["review", id, "--as", "clinician", "--store", "--json"]).stdout
        let summary = try #require(try JSONSerialization.jsonObject(with: stored) as? [String: Any])
        let derived = try #require(summary["stored"] as? String)
        let rows = try #require(try JSONSerialization.jsonObject(with: try await cli.expectOK(["ls", "--json", "--class", "review-copy"]).stdout) as? [[String: Any]])
        #expect(rows.first?["id"] as? String == derived)
        #expect(rows.first?["source"] as? String == id)
        let copy = work.appendingPathComponent("copy.webm")
        try await cli.expectOK(["get", derived, "--as", "records-officer", "-o", copy.path])
        _ = try await Self.run(ffmpeg, ["-v", "error", "-i", copy.path, "-f", "null", "-"])
        #expect(try await cli.run(["review", derived, "--as", "supervisor", "-o", work.appendingPathComponent("x.webm").path]).status == 3)

        // Not media: a clear error, nothing written.
        let junk = try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data(pseudoRandomBytes(5000)))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        let failed = try await cli.run(["review", junk, "--as", "clinician", "-o", work.appendingPathComponent("junk.webm").path])
        #expect(failed.status != 0 && failed.stderr.contains("cannot make a review copy"))
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("junk.webm").path))
        #expect(try await cli.expectOK(["probe", id, "--as", "clinician"]).out.contains("VP8 1280x720"))

        // A subject-access bundle can carry the review copy instead of the original.
        if let age = Self.tool("age"), let keygen = Self.tool("age-keygen") {
            let identity = work.appendingPathComponent("key.txt")
            _ = try await Self.run(keygen, ["-o", identity.path])
            let key = try #require(try String(contentsOf: identity, encoding: .utf8).split(separator: "\n")
                .first { $0.hasPrefix("# public key: ") }?.dropFirst("# public key: ".count))
            let bundle = work.appendingPathComponent("b.age")
            try await cli.expectOK(["export", "subject", "--patient", "9434765919", "--out", bundle.path, "--recipient", String(key), "--review-copies"])
            let tarFile = work.appendingPathComponent("b.tar")
            _ = try await Self.run(age, ["-d", "-i", identity.path, "-o", tarFile.path, bundle.path])
            let listing = try await Self.run("/usr/bin/tar", ["-tf", tarFile.path])
            #expect(listing.contains(String(derived.filter { $0 != "-" }.prefix(8))))
            #expect(!listing.contains(String(id.filter { $0 != "-" }.prefix(8))))
        }
    }

    @Test func oggOpusSessionIsProbedAndGivesBothProfiles() async throws {
        guard let ffmpeg = Self.tool("ffmpeg"), let ffprobe = Self.tool("ffprobe") else {
            print("skipping: ffmpeg/ffprobe are not installed; `make test` installs them")
            return
        }
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("review-ogg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        // An audio-only session as opus-tools writes it (ffmpeg's Ogg Opus when opusenc is missing).
        let input = work.appendingPathComponent("session.opus")
        let wav = work.appendingPathComponent("session.wav")
        _ = try await Self.run(ffmpeg, ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "2", "-ac", "2", wav.path])
        if let opusenc = Self.tool("opusenc") {
            _ = try await Self.run(opusenc, ["--quiet", wav.path, input.path])
        } else {
            _ = try await Self.run(ffmpeg, ["-v", "error", "-i", wav.path, "-c:a", "libopus", input.path])
        }
        let id = try await cli.expectOK(["ingest", input.path, "--session", "S1", "--clinician", "dr-a", "--class", "care"]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let probed = try await cli.expectOK(["probe", id, "--as", "clinician"]).out
        #expect(probed.contains("container ogg") && probed.contains("audio Opus 2 ch 48000 Hz") && probed.contains("2.00 s"), "\(probed)")

        let audio = work.appendingPathComponent("copy.opus")
        try await cli.expectOK(["review", id, "--as", "clinician", "--profile", "audio", "-o", audio.path])
        #expect(try await Self.run(ffprobe, ["-v", "error", "-show_entries", "stream=codec_name,channels", "-of", "csv=p=0", audio.path])
            .contains("opus,2"))
        let review = work.appendingPathComponent("review.webm")
        try await cli.expectOK(["review", id, "--as", "clinician", "-o", review.path])
        let streams = try await Self.run(ffprobe, ["-v", "error", "-show_entries", "stream=codec_type,codec_name,channels", "-of", "csv=p=0", review.path])
        #expect(streams.trimmingCharacters(in: .whitespacesAndNewlines) == "opus,audio,1", "\(streams)")
        _ = try await Self.run(ffmpeg, ["-v", "error", "-i", review.path, "-f", "null", "-"])
    }
}
