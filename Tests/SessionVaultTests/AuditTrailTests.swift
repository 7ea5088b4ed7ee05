import Foundation
import Testing
@testable import SessionVault
import VaultCrypto
@testable import VaultIndex

/// Every kind of tampering with the audit trail, done directly on the SQLite file, is found by
/// `verifyAudit`, which names the first broken entry.
@Suite("Audit trail")
struct AuditTrailTests {
    /// A vault with a few dozen audit entries and a checkpoint in the middle.
    func make() async throws -> (TestVault, Int64) {
        let t = try await TestVault.make()
        for n in 0..<5 { _ = try await t.ingest([UInt8(n)]) }
        let checkpoint = try #require(try await t.vault.checkpointAudit(vaultPassphrase: t.passphrase, reason: "test"))
        for n in 0..<3 { _ = try await t.ingest([UInt8(n)]) }
        return (t, checkpoint.sequence)
    }

    func sql(_ t: TestVault, _ statement: String) throws {
        try SQLiteConnection(path: t.catalogPath).execute(statement)
    }

    func firstBroken(_ t: TestVault) async throws -> AuditProblem? {
        try await t.vault.verifyAudit().firstBroken
    }

    @Test func anUntouchedTrailVerifies() async throws {
        let (t, checkpoint) = try await make()
        defer { t.remove() }
        let result = try await t.vault.verifyAudit()
        #expect(result.problems.isEmpty)
        #expect(result.checkpoints == 1 && result.lastCheckpoint == checkpoint)
        #expect(result.entries > checkpoint)
    }

    @Test func anEditedEntryIsFound() async throws {
        let (t, _) = try await make()
        defer { t.remove() }
        try sql(t, "UPDATE audit SET actor = 'someone-else' WHERE seq = 4")
        #expect(try await firstBroken(t)?.sequence == 4)
    }

    @Test func aDeletedEntryIsFound() async throws {
        let (t, _) = try await make()
        defer { t.remove() }
        try sql(t, "DELETE FROM audit WHERE seq = 6")
        let first = try #require(try await firstBroken(t))
        #expect(first.sequence == 6)
        #expect(first.problem.contains("missing"))
    }

    @Test func reorderedEntriesAreFound() async throws {
        let (t, _) = try await make()
        defer { t.remove() }
        try sql(t, "UPDATE audit SET seq = -1 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 5; UPDATE audit SET seq = 5 WHERE seq = -1")
        #expect(try await firstBroken(t)?.sequence == 3)
    }

    @Test func anInsertedEntryIsFound() async throws {
        let (t, _) = try await make()
        defer { t.remove() }
        // Make room after entry 2 and insert a forged entry that even links to entry 2's hash.
        try sql(t, "UPDATE audit SET seq = seq + 1000 WHERE seq > 2; UPDATE audit SET seq = seq - 999 WHERE seq > 1000")
        let db = try SQLiteConnection(path: t.catalogPath)
        let previous = try #require(try db.queryOne("SELECT hash FROM audit WHERE seq = 2") { $0.blob(0) })
        let forged = AuditDraft(actor: "intruder", action: .get, target: "x")
        let hash = AuditEntry.computeHash(sequence: 3, timeMillis: 0, draft: forged, previousHash: previous)
        try db.run("INSERT INTO audit (seq, time_ms, actor, action, target, outcome, prev_hash, hash) VALUES (3, 0, 'intruder', 'get', 'x', 'ok', ?, ?)",
                   [.blob(previous), .blob(hash)])
        #expect(try await firstBroken(t)?.sequence == 4)
    }

    @Test func aTailTruncatedPastACheckpointIsFound() async throws {
        let (t, checkpoint) = try await make()
        defer { t.remove() }
        try sql(t, "DELETE FROM audit WHERE seq >= \(checkpoint - 1)")
        let first = try #require(try await firstBroken(t))
        #expect(first.sequence == checkpoint - 1)
        #expect(first.problem.contains("truncated"))
    }

    @Test func aForgedCheckpointIsFound() async throws {
        let (t, checkpoint) = try await make()
        defer { t.remove() }
        try sql(t, "UPDATE audit_checkpoints SET signature = zeroblob(64) WHERE seq = \(checkpoint)")
        let result = try await t.vault.verifyAudit()
        #expect(result.problems.contains { $0.sequence == checkpoint && $0.problem.contains("signature") })
    }

    @Test func rewritingTheWholeChainIsCaughtByTheShippedCheckpointFile() async throws {
        let (t, checkpoint) = try await make()
        defer { t.remove() }
        // An insider rewrites entry 2 and recomputes every later hash so the chain is consistent,
        // and deletes the catalog's checkpoints; the shipped file still holds the signed head.
        let db = try SQLiteConnection(path: t.catalogPath)
        try db.execute("UPDATE audit SET detail = 'rewritten' WHERE seq = 2; DELETE FROM audit_checkpoints")
        var previous = AuditEntry.genesisHash
        let entries = try db.query("SELECT seq, time_ms, actor, role, action, target, purpose, outcome, detail FROM audit ORDER BY seq") { row in
            (row.int(0), row.int(1), AuditDraft(actor: row.text(2), role: row.optionalText(3), recordedAction: row.text(4), target: row.optionalText(5),
                                                purpose: row.optionalText(6), outcome: row.text(7), detail: row.optionalText(8)))
        }
        for (sequence, time, draft) in entries {
            let hash = AuditEntry.computeHash(sequence: sequence, timeMillis: time, draft: draft, previousHash: previous)
            try db.run("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", [.blob(previous), .blob(hash), .integer(sequence)])
            previous = hash
        }
        let result = try await t.vault.verifyAudit()
        #expect(result.problems.contains { $0.sequence == checkpoint && $0.problem.contains("missing from the catalog") })
        #expect(result.problems.contains { $0.sequence == checkpoint && $0.problem.contains("differs from the signed checkpoint") })
    }

    @Test func theLogOfAPatientShowsAccessesAndRefusals() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let id = try await t.ingest([1]).id
        _ = try await t.read(id)
        _ = try? await t.read(id, as: "supervisor")
        let pseudonym = try await t.vault.pseudonym(ofPatient: "9434765919", vaultPassphrase: t.passphrase)
        let log = try await t.vault.auditLog(patientPseudonym: pseudonym)
        #expect(log.map(\.draft.action).contains("ingest"))
        #expect(log.contains { $0.draft.action == "get" && $0.draft.outcome == "ok" && $0.draft.role == "clinician" })
        #expect(log.contains { $0.draft.action == "get" && $0.draft.outcome == "refused" && $0.draft.role == "supervisor" })
        #expect(log.contains { $0.draft.action == "consent.record" })
        #expect(try await t.vault.auditLog(actor: "nobody").isEmpty)
    }
}
