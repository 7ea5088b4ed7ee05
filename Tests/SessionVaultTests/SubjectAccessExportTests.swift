import TestSupport
import Foundation
import Testing
import VaultCrypto

/// The subject-access bundle opens with Debian's `age` and every file matches the manifest.
@Suite("Subject-access export", .serialized, .timeLimit(.minutes(30)))
struct SubjectAccessExportTests {
    static func tool(_ name: String) -> String? {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" }
        return nil
    }

    @discardableResult
    static func sh(_ path: String, _ args: [String], cwd: URL? = nil) async throws -> String {
        let result = try await ChildProcess.run(URL(fileURLWithPath: path), args, currentDirectory: cwd)
        guard result.succeeded else { throw CLIFailure(message: "\(path) \(args) exited \(result.status): \(result.stderr)") }
        return result.out
    }

    @Test func theBundleOpensWithAgeAndMatchesItsManifest() async throws {
        guard let age = Self.tool("age"), let keygen = Self.tool("age-keygen"), let tar = Self.tool("tar") else {
            print("skipping: Debian's age (and tar) are not installed; `make test` installs them")
            return
        }
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("sar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        try await cli.expectOK(["consent", "record", "--session", "G1", "--patient", "9434765919", "--scope", "care", "--other-participants"])
        try await cli.expectOK(["consent", "record", "--session", "OTHER", "--patient", "1112223333", "--scope", "care"])
        let first = Data(pseudoRandomBytes(150_000, seed: 1))
        let second = Data(pseudoRandomBytes(70_000, seed: 2))
        let a = try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: first).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let b = try await cli.expectOK(["ingest", "-", "--session", "G1", "--clinician", "dr-a", "--class", "care"], stdin: second).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let other = try await cli.expectOK(["ingest", "-", "--session", "OTHER", "--clinician", "dr-a", "--class", "care"], stdin: Data([1])).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try await cli.expectOK(["get", a, "--as", "clinician", "--purpose", "care"])
        // Consent over time is part of what the patient gets: the renewal and the consent it renewed.
        try await cli.expectOK(["consent", "renew", "--session", "S1", "--scope", "care", "--evidence", "form C-29"])

        let identity = work.appendingPathComponent("key.txt")
        try await Self.sh(keygen, ["-o", identity.path])
        let publicKey = try #require(try String(contentsOf: identity, encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("# public key: ") }?.dropFirst("# public key: ".count))
        let bundle = work.appendingPathComponent("bundle.age")
        // G1 had other participants: released only through a signed-off review.
        let draftJSON = try await cli.expectOK(["export", "subject", "--patient", "943 476 5919", "--review", "--json"]).stdout
        let draft = try #require(try JSONSerialization.jsonObject(with: draftJSON) as? [String: Any])
        let id = String(try #require(draft["id"] as? Int))
        try await cli.expectOK(["export", "review", "include", id, b, "--reason", "every group member consented to release"])
        try await cli.expectOK(["export", "review", "harm", id, "--professional", "Dr Hale", "--professional-role", "consultant psychiatrist",
                                "--no-serious-harm"])
        try await cli.expectOK(["export", "review", "sign-off", id])
        let summary = try await cli.expectOK(["export", "subject", "--from-review", id, "--out", bundle.path, "--recipient", String(publicKey), "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: summary.stdout) as? [String: Any])
        #expect(json["recordings"] as? Int == 2)
        #expect(json["review"] as? Int == Int(id))
        #expect(json["withheld"] as? Int == 0)

        let tarFile = work.appendingPathComponent("bundle.tar")
        try await Self.sh(age, ["-d", "-i", identity.path, "-o", tarFile.path, bundle.path])
        let extracted = work.appendingPathComponent("x")
        try FileManager.default.createDirectory(at: extracted, withIntermediateDirectories: true)
        try await Self.sh(tar, ["-xf", tarFile.path, "-C", extracted.path])

        struct Manifest: Decodable {
            struct File: Decodable { var path: String; var bytes: Int64; var sha256: String }
            struct Recording: Decodable { var id: String; var file: String; var otherParticipants: Bool }
            struct Access: Decodable { var action: String; var role: String?; var outcome: String }
            struct Review: Decodable {
                struct Professional: Decodable { var name: String; var decision: String }
                var id: Int
                var signedOffBy: String
                var healthProfessional: Professional
            }
            var reviewed: Bool
            var review: Review?
            var files: [File]
            var recordings: [Recording]
            var accessLog: [Access]
            struct Consent: Decodable { var session: String; var scope: String; var renewedOn: String?; var isRenewal: Bool? }
            var consentHistory: [Consent]
        }
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: extracted.appendingPathComponent("manifest.json")))
        #expect(Set(manifest.recordings.map(\.id)) == [a, b])
        #expect(!manifest.recordings.contains { $0.id == other })
        for file in manifest.files {
            let bytes = try [UInt8](Data(contentsOf: extracted.appendingPathComponent(file.path)))
            #expect(Int64(bytes.count) == file.bytes)
            #expect(Hex.encode(ChunkDigest.sha256(bytes)) == file.sha256, "\(file.path)")
        }
        let recordingA = try #require(manifest.recordings.first { $0.id == a })
        #expect(try Data(contentsOf: extracted.appendingPathComponent(recordingA.file)) == first)
        #expect(manifest.recordings.first { $0.id == b }?.otherParticipants == true)
        #expect(manifest.reviewed && manifest.review?.id == Int(id) && manifest.review?.signedOffBy == "officer:rita")
        #expect(manifest.review?.healthProfessional.name == "Dr Hale" && manifest.review?.healthProfessional.decision == "no-serious-harm")
        #expect(manifest.accessLog.contains { $0.action == "get" && $0.role == "clinician" && $0.outcome == "ok" })
        let s1 = manifest.consentHistory.filter { $0.session == "S1" }
        #expect(s1.count == 2 && s1[0].renewedOn != nil && s1[1].isRenewal == true, "\(s1)")
        let index = try String(contentsOf: extracted.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(index.contains("signed off its release") && index.contains("Dr Hale") && index.contains("Nothing was withheld"))
        #expect(index.contains("(renewed)") && index.contains("renewed 20"), "the index shows the renewal")

        // The export is audited and signed.
        let audit = try await cli.expectOK(["audit", "verify", "--json"]).stdout
        let result = try #require(try JSONSerialization.jsonObject(with: audit) as? [String: Any])
        #expect((result["checkpoints"] as? Int ?? 0) >= 1)
        #expect((result["problems"] as? [Any])?.isEmpty == true)
        #expect(try await cli.expectOK(["audit", "ls"]).out.contains("export.subject"))
        // An existing file is never overwritten.
        let again = try await cli.run(["export", "subject", "--from-review", id, "--out", bundle.path, "--recipient", String(publicKey)])
        #expect(again.status != 0 && again.stderr.contains("already exists"))
    }
}
