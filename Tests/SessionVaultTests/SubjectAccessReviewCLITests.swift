import TestSupport
import Foundation
import Testing

/// A subject-access release a records officer can sign off (issue #17 item 9), from the command
/// line: the bundle claims no review that did not happen, a group session is not released without
/// a decision, a draft is not released before sign-off, and a draft that went stale is refused.
@Suite("Subject-access review (CLI)", .serialized, .timeLimit(.minutes(30)))
struct SubjectAccessReviewCLITests {
    /// A patient (9434765919) with a care session S1 and a group session G1, one recording each.
    struct Setup {
        let cli: CLI
        let work: URL
        let plain: String
        let group: String

        static func make(group: Bool = true) async throws -> Setup {
            let cli = try await CLI.prepared()
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("sar-review-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            let plain = try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"],
                                               stdin: Data(pseudoRandomBytes(20_000, seed: 3))).out.trimmingCharacters(in: .whitespacesAndNewlines)
            var groupID = ""
            if group {
                try await cli.expectOK(["consent", "record", "--session", "G1", "--patient", "9434765919", "--scope", "care", "--other-participants"])
                groupID = try await cli.expectOK(["ingest", "-", "--session", "G1", "--clinician", "dr-a", "--class", "care"],
                                                 stdin: Data(pseudoRandomBytes(30_000, seed: 4))).out.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return Setup(cli: cli, work: work, plain: plain, group: groupID)
        }

        /// A file holding a passphrase for `--bundle-passphrase-file`.
        var passphraseFile: URL {
            let file = work.appendingPathComponent("bundle-passphrase")
            if !FileManager.default.fileExists(atPath: file.path) { try? Data("patient passphrase for the bundle".utf8).write(to: file) }
            return file
        }

        func remove() {
            cli.remove()
            try? FileManager.default.removeItem(at: work)
        }

        /// An age identity for the patient, and its public key.
        func identity() async throws -> (file: URL, publicKey: String)? {
            guard let keygen = SubjectAccessExportTests.tool("age-keygen") else { return nil }
            let file = work.appendingPathComponent("key-\(UUID().uuidString).txt")
            try await SubjectAccessExportTests.sh(keygen, ["-o", file.path])
            let key = try #require(try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
                .first { $0.hasPrefix("# public key: ") }?.dropFirst("# public key: ".count))
            return (file, String(key))
        }

        /// Decrypts and unpacks a bundle; returns the directory it was unpacked in.
        func open(_ bundle: URL, identity: URL) async throws -> URL? {
            guard let age = SubjectAccessExportTests.tool("age"), let tar = SubjectAccessExportTests.tool("tar") else { return nil }
            let tarFile = work.appendingPathComponent("b-\(UUID().uuidString).tar")
            try await SubjectAccessExportTests.sh(age, ["-d", "-i", identity.path, "-o", tarFile.path, bundle.path])
            let out = work.appendingPathComponent("x-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try await SubjectAccessExportTests.sh(tar, ["-xf", tarFile.path, "-C", out.path])
            return out
        }

        /// Drafts a review and returns its id.
        func draft() async throws -> Int {
            let json = try await cli.expectOK(["export", "subject", "--patient", "9434765919", "--review", "--json"]).stdout
            let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
            return try #require(object["id"] as? Int)
        }
    }

    @Test func aBundleNeverClaimsAReviewThatDidNotHappen() async throws {
        let setup = try await Setup.make()
        defer { setup.remove() }
        guard let (identity, key) = try await setup.identity() else { print("skipping: age is not installed"); return }
        // The group session's patient, unreviewed: either refused, or (as before) written; if written,
        // it must not say that anything was reviewed.
        let bundle = setup.work.appendingPathComponent("group.age")
        let result = try await setup.cli.run(["export", "subject", "--patient", "9434765919", "--out", bundle.path, "--recipient", key])
        if result.succeeded {
            let dir = try #require(try await setup.open(bundle, identity: identity))
            let index = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
            for claim in ["reviewed", "went through", "signed off"] {
                #expect(!index.lowercased().contains(claim), "an unreviewed bundle claims a review: '\(claim)'")
            }
        } else {
            #expect(result.stderr.contains("--review"), "refused, pointing to the review: \(result.stderr)")
        }

        // A patient with no group session: the unreviewed bundle says plainly that it was not reviewed.
        try await setup.cli.expectOK(["consent", "record", "--session", "P2", "--patient", "1112223333", "--scope", "care"])
        try await setup.cli.expectOK(["ingest", "-", "--session", "P2", "--clinician", "dr-a", "--class", "care"], stdin: Data([1, 2, 3]))
        let plain = setup.work.appendingPathComponent("plain.age")
        try await setup.cli.expectOK(["export", "subject", "--patient", "1112223333", "--out", plain.path, "--recipient", key])
        let dir = try #require(try await setup.open(plain, identity: identity))
        let index = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        for claim in ["reviewed", "went through", "signed off"] { #expect(!index.lowercased().contains(claim)) }
        #expect(index.contains("without a review"))
        #expect(index.contains("ico.org.uk") && index.contains("0303 123 1113"), "the Art. 15 information names the ICO")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("manifest.json"))) as? [String: Any])
        #expect(manifest["reviewed"] as? Bool == false)
        #expect((manifest["supplementaryInformation"] as? [String: Any])?["automatedDecisions"] != nil)
    }

    @Test func aFlaggedGroupSessionIsNotReleasedWithoutADecision() async throws {
        let setup = try await Setup.make()
        defer { setup.remove() }
        let bundle = setup.work.appendingPathComponent("bundle.age")
        let unreviewed = try await setup.cli.run(["export", "subject", "--patient", "9434765919", "--out", bundle.path, "--bundle-passphrase-file", setup.passphraseFile.path])
        #expect(unreviewed.status == 3, "an unreviewed export released a group session: \(unreviewed.stderr)")
        #expect(unreviewed.stderr.contains("--review"))
        #expect(!FileManager.default.fileExists(atPath: bundle.path))

        // The draft lists it, flagged and left out; sign-off is refused until it is decided.
        let json = try await setup.cli.expectOK(["export", "subject", "--patient", "9434765919", "--review", "--json"]).stdout
        let draft = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let id = try #require(draft["id"] as? Int)
        let items = try #require(draft["items"] as? [[String: Any]])
        let group = try #require(items.first { $0["key"] as? String == setup.group })
        #expect(group["flag"] as? String == "other-participants")
        #expect(group["decision"] as? String == "pending")
        #expect(items.first { $0["key"] as? String == setup.plain }?["decision"] as? String == "include")
        #expect(Set(items.compactMap { $0["kind"] as? String }) == ["recording", "consent-history", "access-log", "destruction-records"])
        try await setup.cli.expectOK(["export", "review", "harm", String(id), "--professional", "Dr Hale", "--professional-role", "consultant psychiatrist",
                                      "--no-serious-harm"])
        let refused = try await setup.cli.run(["export", "review", "sign-off", String(id)])
        #expect(refused.status == 3)
        #expect(refused.stderr.contains(setup.group))
    }

    @Test func anUnsignedDraftIsNotReleased() async throws {
        let setup = try await Setup.make(group: false)
        defer { setup.remove() }
        let id = try await setup.draft()
        try await setup.cli.expectOK(["export", "review", "harm", String(id), "--professional", "Dr Hale", "--professional-role", "consultant psychiatrist",
                                      "--no-serious-harm"])
        let bundle = setup.work.appendingPathComponent("bundle.age")
        let result = try await setup.cli.run(["export", "subject", "--from-review", String(id), "--out", bundle.path, "--bundle-passphrase-file", setup.passphraseFile.path])
        #expect(result.status == 3)
        #expect(result.stderr.contains("not signed off"))
        #expect(!FileManager.default.fileExists(atPath: bundle.path))
        #expect(try await setup.cli.expectOK(["audit", "ls"]).out.contains("export.subject") == false)
    }

    @Test func aDraftThatWentStaleIsNotReleased() async throws {
        let setup = try await Setup.make(group: false)
        defer { setup.remove() }
        let id = try await setup.draft()
        try await setup.cli.expectOK(["export", "review", "harm", String(id), "--professional", "Dr Hale", "--professional-role", "consultant psychiatrist",
                                      "--no-serious-harm"])
        try await setup.cli.expectOK(["export", "review", "sign-off", String(id)])
        let added = try await setup.cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data([5, 6, 7]))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        let bundle = setup.work.appendingPathComponent("bundle.age")
        let result = try await setup.cli.run(["export", "subject", "--from-review", String(id), "--out", bundle.path, "--bundle-passphrase-file", setup.passphraseFile.path])
        #expect(result.status == 3)
        #expect(result.stderr.contains("\(added) (session S1") && result.stderr.contains("added since the draft"))
        #expect(!FileManager.default.fileExists(atPath: bundle.path))
    }

    /// A withheld recording must not be named anywhere in the bundle: before, every access to it
    /// (its id and times) was copied into the access log, telling the patient it exists.
    @Test func aWithheldRecordingIsNamedNowhereInTheBundle() async throws {
        let setup = try await Setup.make()
        defer { setup.remove() }
        guard let (identity, key) = try await setup.identity() else { print("skipping: age is not installed"); return }
        try await setup.cli.expectOK(["get", setup.group, "--as", "clinician", "--purpose", "care"])
        try await setup.cli.expectOK(["get", setup.plain, "--as", "clinician", "--purpose", "care"])
        let id = String(try await setup.draft())
        try await setup.cli.expectOK(["export", "review", "exclude", id, setup.group, "--category", "third-party",
                                      "--reason", "DPA 2018 Sch. 2 Part 3 para 16: other group members did not consent"])
        try await setup.cli.expectOK(["export", "review", "harm", id, "--professional", "Dr Hale", "--professional-role", "consultant psychiatrist",
                                      "--no-serious-harm"])
        try await setup.cli.expectOK(["export", "review", "sign-off", id])
        let bundle = setup.work.appendingPathComponent("withheld.age")
        try await setup.cli.expectOK(["export", "subject", "--from-review", id, "--out", bundle.path, "--recipient", key])
        let dir = try #require(try await setup.open(bundle, identity: identity))
        let manifest = try String(contentsOf: dir.appendingPathComponent("manifest.json"), encoding: .utf8)
        let index = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(manifest.contains(setup.plain), "the released recording and its accesses are there")
        #expect(!manifest.contains(setup.group) && !index.contains(setup.group), "the withheld recording is named in the bundle")
        #expect(index.contains("What was withheld"))
    }
}
