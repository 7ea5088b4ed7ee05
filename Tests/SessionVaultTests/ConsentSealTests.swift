import Foundation
import Testing
@testable import SessionVault
@testable import VaultIndex
import VaultCrypto

/// Consent registers signed by the officer who changed them. The attacks, by an insider who can
/// write the catalog but holds no officer's passphrase: add a scope to a session (the next
/// recording of the session is wrapped for a role the patient never agreed to), or withdraw one in
/// the database (the recording's due date is recomputed from it and the sweeper destroys it early).
@Suite("Consent registers sealed by officers", .serialized, .timeLimit(.minutes(20)))
struct ConsentSealTests {
    static let roles = ["clinician", "records-officer", "supervisor", "trainer"]

    func prepared(_ backend: CatalogBackend, clock: TestClock = TestClock("2026-01-10")) async throws -> (BackendVault, Officer) {
        let v = try await BackendVault.make(backend, roles: Self.roles, scopes: ["care"], clock: clock.function)
        // The first officer signs the registers as they stand (here S1's, recorded during set-up).
        let rita = try await v.t.officer("rita", for: .consent)
        return (v, rita)
    }

    @Test(arguments: CatalogBackend.available)
    func aScopeAddedInTheDatabaseGivesNoRoleAKey(backend: CatalogBackend) async throws {
        let (v, _) = try await prepared(backend)
        let t = v.t
        let before = try await t.ingest(pseudoRandomBytes(500)).id
        try await v.sql("""
            INSERT INTO consents (session, patient, scope, given_on, recorded_at_ms, other_participants)
            SELECT session, patient, 'training', given_on, recorded_at_ms, other_participants FROM consents WHERE session = 'S1'
            """)
        do {
            let id = try await t.ingest(pseudoRandomBytes(500)).id
            Issue.record("a recording was stored on a consent register edited in the database (trainer wrap: \(try await t.vault.holdsWrap(id, role: "trainer")))")
        } catch {
            #expect((error as? VaultError)?.code == .consentRegisterAltered, "\(error)")
        }
        #expect(try await !t.vault.holdsWrap(before, role: "trainer"))
        let report = try await t.vault.fsck(repair: false, by: .unproven("test"))
        #expect(report.errors.contains { $0.kind == "consent-register" && $0.subject == "session S1" }, "\(report.findings)")
        await v.remove()
    }

    /// The edits: the scope withdrawn in place, or the session's rows deleted together with their seal.
    static let withdrawals = [
        "UPDATE consents SET withdrawn_on = '2026-01-10', withdrawal_recorded_at_ms = 0 WHERE session = 'S2' AND scope = 'training'",
        "DELETE FROM consents WHERE session = 'S2'; DELETE FROM consent_seals WHERE session = 'S2'",
    ]

    @Test(arguments: CatalogBackend.available, Self.withdrawals)
    func aWithdrawalWrittenInTheDatabaseBringsNoDestructionForward(backend: CatalogBackend, edit: String) async throws {
        let clock = TestClock("2026-01-10")
        let (v, rita) = try await prepared(backend, clock: clock)
        let t = v.t
        try await t.vault.recordConsent(ConsentRequest(session: "S2", patientIdentifier: "9434765919", scopes: ["care", "training"]),
                                        vaultPassphrase: t.passphrase, by: .officer(rita))
        let id = try await t.ingest(pseudoRandomBytes(500), session: "S2", retentionClass: "training").id
        let due = try #require(try await t.vault.catalog.recording(id)?.dueOn)
        try await v.sql(edit)
        // Any event that recomputes due dates would now bring them forward to the withdrawal's grace period.
        let officer = try await t.vault.proveOfficer("rita", passphrase: t.passphrase, for: .patientEvent)
        do {
            _ = try await t.vault.recordPatientEvent(patient: "9434765919", lastContact: "2026-01-10", vaultPassphrase: t.passphrase, by: .officer(officer))
            Issue.record("due dates were recomputed from a consent register edited in the database")
        } catch {
            #expect(error.code == .consentRegisterAltered, "\(error)")
        }
        #expect(try await t.vault.catalog.recording(id)?.dueOn == due)
        // fsck --repair does not "correct" the due date from the edited register either.
        let repairer = try await t.vault.proveOfficer("rita", passphrase: t.passphrase, for: .adoptSchedule)
        let report = try await t.vault.fsck(repair: true, by: .officer(repairer))
        #expect(report.errors.contains { $0.kind == "consent-register" }, "\(report.findings)")
        #expect(try await t.vault.catalog.recording(id)?.dueOn == due)
        await v.remove()
    }

    @Test(arguments: CatalogBackend.available)
    func officersChangesKeepTheRegisterSealed(backend: CatalogBackend) async throws {
        let (v, rita) = try await prepared(backend)
        let t = v.t
        try await t.vault.recordConsent(ConsentRequest(session: "S2", patientIdentifier: "4010232137", scopes: ["care", "training"]),
                                        vaultPassphrase: t.passphrase, by: .officer(rita))
        try await t.vault.renewConsent(session: "S2", scopes: ["care"], evidence: "form 7", by: .officer(rita))
        _ = try await t.ingest(pseudoRandomBytes(500), session: "S2")
        _ = try await t.vault.withdrawConsent(session: "S2", scope: "training", by: .officer(rita))
        #expect(try await t.vault.consents(of: "S2").count == 3)
        _ = try await t.ingest(pseudoRandomBytes(500), session: "S2")
        let report = try await t.vault.fsck(repair: false, by: .unproven("test"))
        #expect(!report.findings.contains { $0.kind.contains("consent") }, "\(report.findings)")
        await v.remove()
    }

    @Test(arguments: CatalogBackend.available)
    func anUnsealedRegisterIsRefusedUntilAnOfficerSealsItWithFsckRepair(backend: CatalogBackend) async throws {
        let (v, _) = try await prepared(backend)
        let t = v.t
        // A register from before consent was sealed (or whose seal an insider deleted).
        try await v.sql("DELETE FROM consent_seals")
        do {
            _ = try await t.ingest(pseudoRandomBytes(500))
            Issue.record("stored on an unsealed register in a vault that has officers")
        } catch {
            #expect((error as? VaultError)?.code == .consentRegisterAltered, "\(error)")
        }
        let check = try await t.vault.fsck(repair: false, by: .unproven("test"))
        #expect(check.errors.contains { $0.kind == "unsealed-consent" }, "\(check.findings)")
        let repairer = try await t.vault.proveOfficer("rita", passphrase: t.passphrase, for: .adoptSchedule)
        let repaired = try await t.vault.fsck(repair: true, by: .officer(repairer))
        #expect(repaired.findings.contains { $0.kind == "unsealed-consent" && $0.severity == .repaired }, "\(repaired.findings)")
        _ = try await t.ingest(pseudoRandomBytes(500))
        await v.remove()
    }

    @Test func theCommandLineRefusesAnEditedRegisterAsAnIntegrityFailureAndSaysWhereToLook() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        try SQLiteConnection(path: cli.vault.appendingPathComponent("catalog.sqlite").path).execute("""
            INSERT INTO consents (session, patient, scope, given_on, recorded_at_ms, other_participants)
            SELECT session, patient, 'training', given_on, recorded_at_ms, other_participants FROM consents WHERE session = 'S1'
            """)
        let refused = try await cli.run(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data([1]))
        #expect(refused.status == 4, "\(refused.stderr)")
        #expect(refused.stderr.contains("consent register of session 'S1' cannot be trusted") && refused.stderr.contains("sessionvault fsck"),
                "\(refused.stderr)")
        let report = try await cli.run(["fsck"])
        #expect(report.status == 4 && report.out.contains("consent-register"), "\(report.out)")
    }
}
