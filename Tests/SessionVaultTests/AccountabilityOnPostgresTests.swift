import Foundation
import Testing
@testable import SessionVault
@testable import VaultIndex
import VaultCrypto

/// The insider's attacks of "Accountable administration", run against a PostgreSQL catalog (the
/// embedded catalog's versions are in OfficerTests, BorrowedTimeTests and TamperTests): the rules
/// live in the vault, so they must hold whichever catalog the vault uses.
@Suite("Accountable administration on PostgreSQL", .serialized, .enabled(if: SharedBackends.shouldRun), .timeLimit(.minutes(20)))
struct AccountabilityOnPostgresTests {
    @Test func anUnsignedApprovalAndABorrowedDayDestroyNothing() async throws {
        let clock = TestClock("2026-01-10")
        let v = try await BackendVault.make(.postgres, roles: ["clinician", "records-officer", "supervisor", "trainer"], scopes: ["care", "training"],
                                            clock: clock.function)
        let t = v.t
        let id = try await t.ingest([1, 2, 3], retentionClass: "training").id
        try await t.officer()
        clock.set("2029-01-11")
        #expect(try await t.vault.sweep(actor: "sweeper").queuedForReview == 1)
        // As the old CLI did (or anyone who can write the catalog): approved by a name, unsigned.
        try await t.vault.catalog.decideDisposition(id, approve: true, extendUntil: nil, reason: "ok", by: "cli:anyone", at: Date(), signature: nil,
                                                    audit: AuditDraft(actor: "cli:anyone", action: .dispositionApprove))
        let report = try await t.vault.sweep(actor: "sweeper")
        #expect(report.destroyed == 0 && report.refusedApprovals.count == 1, "\(report.refusedApprovals)")
        // A sweep that would change something, as of a later day than today, is refused.
        do {
            _ = try await t.vault.sweep(asOf: clock.function().addingTimeInterval(20 * 365 * 86_400), actor: "sweeper")
            Issue.record("a sweep borrowed a later day")
        } catch {
            #expect(error.code == .timeNotBorrowable, "\(error)")
        }
        #expect(try await t.vault.catalog.recording(id)?.state == .live)
        await v.remove()
    }

    @Test func aRecordingMovedOntoAnotherPatientInTheDatabaseIsRefusedOnRead() async throws {
        let v = try await BackendVault.make(.postgres, roles: ["clinician", "records-officer", "supervisor"], scopes: ["care"])
        let t = v.t
        try await t.vault.recordConsent(ConsentRequest(session: "S2", patientIdentifier: "4010232137", scopes: ["care"]),
                                        vaultPassphrase: t.passphrase, by: .unproven("test"))
        let alice = try await t.ingest(pseudoRandomBytes(1000)).id
        let bobs = try #require(try await t.vault.catalog.consents(session: "S2").first?.patient)
        #expect(try await t.read(alice).count == 1000)
        let servers = try SharedBackends.require()
        let hex = alice.bytes.map { String(format: "%02x", $0) }.joined()
        try await servers.psql(database: try #require(v.database), "UPDATE recordings SET patient = '\(bobs)' WHERE id = '\\x\(hex)'::bytea")
        #expect(try await t.vault.catalog.recording(alice)?.patient == bobs, "the row was moved")
        do {
            _ = try await t.read(alice)
            Issue.record("a recording moved onto another patient was read")
        } catch {
            #expect((error as? VaultError)?.code == .manifestTampered, "\(error)")
        }
        let officer = try await t.vault.unlockRole("records-officer", passphrase: t.passphrase)
        #expect(try await t.vault.verify(manifestsAs: officer, actor: "test").problems.map(\.problem) == ["catalog row edited: patient differs"])
        await v.remove()
    }
}
