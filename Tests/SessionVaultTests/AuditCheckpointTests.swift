import TestSupport
import Foundation
import Testing
@testable import SessionVault
@testable import VaultIndex
import VaultCrypto

#if canImport(Glibc)
import Glibc
#endif

/// An audit trail that cannot be cut. The attack: after `audit checkpoint`, deleting the newest audit
/// rows left `audit verify` saying "intact"; deleting the checkpoints too (catalog and the vault's
/// own file) hid everything, and the verification key came from the vault's own files. Now the
/// long-running processes sign checkpoints themselves, publish them outside the vault, and
/// `audit verify --public-key --published` checks the trail against what was published.
@Suite("Audit checkpoints that hold", .serialized, .timeLimit(.minutes(30)))
struct AuditCheckpointTests {
    func work() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("published-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    func lines(_ url: URL) -> [String] {
        ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func theSweeperPublishesCheckpointsAndATruncatedTrailIsFoundFromThemAlone() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let outside = try work()
        defer { try? FileManager.default.removeItem(at: outside) }
        let published = outside.appendingPathComponent("checkpoints.jsonl")
        let key = try await cli.expectOK(["audit", "signer", "add", "sweeper"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.count == 64)

        let daemon = try cli.start(["sweeper", "--interval", "1h", "--checkpoint-signer", "sweeper", "--checkpoint-every", "1",
                                    "--checkpoint-interval", "1s", "--publish-checkpoints", "file:" + published.path])
        for n in 0..<3 {
            try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data([UInt8(n)]))
        }
        let head = try #require(try await SQLiteConnection(path: cli.vault.appendingPathComponent("catalog.sqlite").path)
            .queryOne("SELECT max(seq) FROM audit", []) { $0.int(0) })
        // Signed within a poll or two of the entries (generous for a loaded machine).
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, !lines(published).contains(where: { $0.contains("\"sequence\":\(head)") }) {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(lines(published).contains { $0.contains("\"sequence\":\(head)") }, "checkpoint of entry \(head) published: \(lines(published))")
        daemon.send(SIGTERM)
        let ended = try await daemon.finish()
        #expect(ended.status == 0, "\(ended.stderr)")

        let honest = try await cli.run(["audit", "verify", "--public-key", key, "--published", published.path])
        #expect(honest.status == 0 && honest.out.contains("intact"), "\(honest.out) \(honest.stderr)")

        // The insider deletes the newest entries, every checkpoint in the catalog and the vault's own checkpoint file.
        let db = try SQLiteConnection(path: cli.vault.appendingPathComponent("catalog.sqlite").path)
        try db.run("DELETE FROM audit WHERE seq > ?", [.integer(head - 2)])
        try db.run("DELETE FROM audit_checkpoints", [])
        try FileManager.default.removeItem(at: cli.vault.appendingPathComponent("audit-checkpoints.jsonl"))
        let inside = try await cli.run(["audit", "verify"])
        #expect(inside.status == 0, "from the vault's own files alone the cut cannot be seen: \(inside.out)")
        #expect(inside.stderr.contains("--public-key"), "and verify says where the trustworthy check is")

        let checked = try await cli.run(["audit", "verify", "--public-key", key, "--published", published.path])
        #expect(checked.status == 4)
        #expect(checked.out.contains("truncated") && checked.out.contains("covers entry \(head)"), "\(checked.out)")

        // Re-signing the shortened trail with a key of the insider's own (here the vault's audit key)
        // does not pass with the published signer's key.
        try await cli.expectOK(["audit", "checkpoint"])
        let forged = try await cli.run(["audit", "verify", "--public-key", key])
        #expect(forged.status == 4 && forged.out.contains("does not verify with the given public keys"), "\(forged.out)")
    }

    /// The gap: `serve` and `sweeper` signed nothing unless a flag named a signer on every start.
    /// Now a vault with officers refuses to run them unsigned unless told so, and `[audit]` in
    /// config.toml makes every start sign and publish with no flags at all.
    @Test func inAVaultWithOfficersTheServiceAndSweeperSignFromTheConfigurationOrDoNotRun() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        for command in [["sweeper", "--interval", "1h"], ["serve", "--listen", "127.0.0.1:0"]] {
            let daemon = try cli.start(command)
            let refused = try await daemon.waitForStderr(containing: "name a checkpoint signer", timeout: .seconds(60))
            if !refused { daemon.send(SIGTERM) }
            let ended = try await daemon.finish()
            #expect(refused && ended.status != 0, "\(command[0]) ran unsigned in a vault with officers: \(ended.stderr)")
        }
        let outside = try work()
        defer { try? FileManager.default.removeItem(at: outside) }
        let published = outside.appendingPathComponent("checkpoints.jsonl")
        try await cli.expectOK(["audit", "signer", "add", "sweeper"])
        let config = cli.vault.appendingPathComponent("config.toml")
        let text = try String(contentsOf: config, encoding: .utf8) + """

            [audit]
            checkpoint_signer = "sweeper"
            checkpoint_every = 1
            checkpoint_interval = "1s"
            publish_checkpoints = ["file:\(published.path)"]

            """
        try text.write(to: config, atomically: true, encoding: .utf8)
        let daemon = try cli.start(["sweeper", "--interval", "1h"])
        try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data([1]))
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, lines(published).isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        daemon.send(SIGTERM)
        let ended = try await daemon.finish()
        #expect(!lines(published).isEmpty, "no checkpoint published from the configuration: \(ended.stderr)")
        #expect(ended.status == 0 && ended.stderr.contains("signs an audit checkpoint with 'sweeper' every 1 entries"), "\(ended.stderr)")
        // Opting out is explicit, and says what it costs.
        let unsigned = try cli.start(["sweeper", "--interval", "1h", "--without-checkpoints"])
        #expect(try await unsigned.waitForStderr(containing: "could be deleted unnoticed", timeout: .seconds(60)))
        unsigned.send(SIGTERM)
        #expect(try await unsigned.finish().status == 0)
        let both = try await cli.run(["sweeper", "--without-checkpoints", "--checkpoint-signer", "sweeper"])
        #expect(both.status != 0 && both.stderr.contains("cannot be given with"), "\(both.stderr)")
    }

    @Test func sinksInsideTheVaultOrUnknownAreRefusedBeforeAnythingRuns() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        try await cli.expectOK(["audit", "signer", "add", "sweeper"])
        let inside = try await cli.run(["sweeper", "--checkpoint-signer", "sweeper", "--publish-checkpoints",
                                        "file:" + cli.vault.appendingPathComponent("logs/checkpoints.jsonl").path])
        #expect(inside.status != 0 && inside.stderr.contains("inside the vault directory"), "\(inside.stderr)")
        let unknown = try await cli.run(["sweeper", "--checkpoint-signer", "sweeper", "--publish-checkpoints", "s3x://bucket"])
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown checkpoint sink"), "\(unknown.stderr)")
        let relative = try await cli.run(["sweeper", "--checkpoint-signer", "sweeper", "--publish-checkpoints", "file:checkpoints.jsonl"])
        #expect(relative.status != 0 && relative.stderr.contains("absolute path"), "\(relative.stderr)")
        let wrong = try await cli.run(["sweeper", "--checkpoint-signer", "sweeper"], environment: ["SESSIONVAULT_PASSPHRASE": "not the passphrase"])
        #expect(wrong.status == 3 && wrong.stderr.contains("wrong passphrase for checkpoint signer 'sweeper'"), "\(wrong.stderr)")
        let missing = try await cli.run(["sweeper", "--checkpoint-signer", "nobody"])
        #expect(missing.status != 0 && missing.stderr.contains("audit signer add nobody"), "\(missing.stderr)")
        #expect(try await cli.run(["audit", "verify", "--public-key", "abc"]).stderr.contains("expected 64 hex digits"))
        #expect(try await cli.run(["audit", "signer", "add", "sweeper"]).stderr.contains("already exists"))
    }

    @Test func entriesLeftUnsignedLongerThanTheBoundAndGapsInWhatWasPublishedAreReported() async throws {
        let clock = TestClock(Date())
        let t = try await TestVault.make(clock: clock.function)
        defer { t.remove() }
        let outside = try work()
        defer { try? FileManager.default.removeItem(at: outside) }
        let published = outside.appendingPathComponent("checkpoints.jsonl")
        let sink = try CheckpointSinks.parse("file:" + published.path, vaultRoot: t.root)
        _ = try await t.vault.addAuditSigner("s", passphrase: t.passphrase, actor: "test")
        let signing = try t.vault.unlockAuditSigner("s", passphrase: t.passphrase)

        _ = try await t.ingest([1])
        try await t.vault.checkpointAudit(signing: signing, reason: "test", publishTo: [sink])
        let bound: TimeInterval = 15 * 60
        #expect(try await t.vault.verifyAudit(trustedKeys: [signing.publicKey], published: [published.path], maxAge: bound).problems.isEmpty)

        _ = try await t.ingest([2])
        clock.advance(minutes: 10)
        #expect(try await t.vault.verifyAudit(trustedKeys: [signing.publicKey], published: [published.path], maxAge: bound).problems.isEmpty,
                "10 minutes unsigned is within a 15-minute bound")
        clock.advance(minutes: 10)
        let stale = try await t.vault.verifyAudit(trustedKeys: [signing.publicKey], published: [published.path], maxAge: bound)
        #expect(stale.problems.contains { $0.problem.contains("not covered by a checkpoint") && $0.problem.contains("20 minutes old") },
                "\(stale.problems)")

        // Signed late: the trail is covered again, but the published record shows the 20-minute gap.
        try await t.vault.checkpointAudit(signing: signing, reason: "test", publishTo: [sink])
        let late = try await t.vault.verifyAudit(trustedKeys: [signing.publicKey], published: [published.path], maxAge: bound)
        #expect(late.problems.map(\.problem).contains { $0.contains("no checkpoint was published for 20 minutes") }, "\(late.problems)")
        #expect(late.publishedCheckpoints == 2 && !late.keysFromVault)
    }
}
