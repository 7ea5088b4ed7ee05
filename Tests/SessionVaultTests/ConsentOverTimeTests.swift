import Foundation
import Testing
import Retention
@testable import SessionVault
@testable import VaultIndex

/// Consent over time and extensions that stick (issue #17 items 1 and 5).
@Suite("Consent over time", .timeLimit(.minutes(30)))
struct ConsentOverTimeTests {
    func make(scopes: [String]) async throws -> (TestVault, TestClock) {
        let clock = TestClock("2026-01-10")
        let t = try await TestVault.make(roles: ["clinician", "records-officer", "supervisor", "trainer"], scopes: scopes, clock: clock.function)
        return (t, clock)
    }

    /// Consent given again after a withdrawal used to leave the withdrawal's grace in force: the
    /// recording was destroyed 30 days later while consent was active, and the trainer never got
    /// its key back.
    @Test func consentGivenAgainAfterAWithdrawalRewrapsAndRecomputesInOneStep() async throws {
        let (t, clock) = try await make(scopes: ["care", "training"])
        defer { t.remove() }
        let id = try await t.ingest([1, 2, 3], retentionClass: "training").id
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2029-01-10")
        clock.set("2026-03-01")
        _ = try await t.vault.withdrawConsent(session: "S1", scope: "training", by: .unproven("test"))
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2026-03-31", "the withdrawal's grace")
        await expectVaultError(.noWrap) { _ = try await t.read(id, as: "trainer") }

        clock.set("2026-03-05")
        let again = ConsentRequest(session: "S1", patientIdentifier: "9434765919", scopes: ["training"], evidence: "form 12b")
        // The trainer's wraps can only come back from a role that holds the key: refused without one, and nothing changes.
        do {
            try await t.vault.recordConsent(again, vaultPassphrase: t.passphrase, by: .unproven("test"))
            Issue.record("consent given again without a key holder was accepted")
        } catch {
            #expect(error.code == .consentNeedsKeyHolder && error.recording == nil && error.reason == nil, "\(error)")
            #expect(error.subject == "S1" && error.names == ["trainer"] && error.message.contains("access to 1 recording(s)"))
        }
        #expect(try await t.vault.catalog.consents(session: "S1").filter(\.isActive).map(\.scope) == ["care"])
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2026-03-31")

        let officer = try await t.vault.unlockRole("records-officer", passphrase: t.passphrase)
        try await t.vault.recordConsent(again, vaultPassphrase: t.passphrase, keyHolder: officer, by: .unproven("test"))
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2029-03-05", "3 years from the consent given again")
        #expect(try await t.read(id, as: "trainer") == [1, 2, 3])
        let entry = try await t.vault.catalog.auditEntries(after: 0, limit: 1000).last { $0.draft.action == "consent.record" }
        #expect(entry?.draft.detail?.contains("1 wraps added") == true, "\(entry?.draft.detail ?? "")")

        clock.set("2026-04-15")
        let report = try await t.vault.sweep(actor: "test")
        #expect(report.destroyed == 0)
        #expect(try await t.vault.catalog.recording(id)?.state == .live)
        // The whole history is kept: given, withdrawn, given again.
        let history = try await t.vault.consentHistory(session: "S1").filter { $0.scope == "training" }
        #expect(history.map(\.withdrawnOn) == ["2026-03-01", nil])
        #expect(history.map(\.givenOn) == ["2026-01-10", "2026-03-05"])
    }

    /// Consent could not be renewed (one active consent per scope): teaching material due three
    /// years after consent could only be destroyed, never kept on renewed consent.
    @Test func renewingConsentKeepsTheOldOneAsHistoryAndMovesTheDueDate() async throws {
        let (t, clock) = try await make(scopes: ["care", "training"])
        defer { t.remove() }
        let id = try await t.ingest([9], retentionClass: "training").id
        clock.set("2028-12-01")
        // Giving the same scope again while it is active is still refused: that is what renewal is for.
        await #expect {
            try await t.vault.recordConsent(ConsentRequest(session: "S1", patientIdentifier: "9434765919", scopes: ["training"]),
                                            vaultPassphrase: t.passphrase, by: .unproven("test"))
        } throws: { error in
            (error as? VaultError)?.code == .catalogFailed
                && (error as? VaultError)?.cause as? CatalogError == .alreadyExists(what: "active consent scope 'training' for session", id: "S1")
        }
        let active = try await t.vault.renewConsent(session: "S1", scopes: ["training"], evidence: "renewal form 77", by: .unproven("officer:rita"))
        #expect(active.map(\.scope).sorted() == ["care", "training"])
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2031-12-01")
        let training = try await t.vault.consentHistory(session: "S1").filter { $0.scope == "training" }
        #expect(training.count == 2)
        #expect(training[0].supersededOn == "2028-12-01" && !training[0].isActive)
        #expect(training[1].renews == training[0].id && training[1].isActive && training[1].evidenceSealed != nil)
        #expect(try await t.read(id, as: "trainer") == [9], "a renewal keeps every wrap")
        let entry = try await t.vault.catalog.auditEntries(after: 0, limit: 1000).last { $0.draft.action == "consent.renew" }
        #expect(entry?.draft.actor == "officer:rita")

        // Not renewable: a scope without active consent, a date before the consent it renews, a future date.
        await expectVaultError(.noActiveScope) { try await t.vault.renewConsent(session: "S1", scopes: ["research"], evidence: nil, by: .unproven("test")) }
        do {
            try await t.vault.renewConsent(session: "S1", scopes: ["training"], evidence: nil, givenOn: "2028-11-30", by: .unproven("test"))
            Issue.record("a renewal dated before the consent it renews was accepted")
        } catch {
            #expect(error.description.contains("before the consent it renews"), "\(error)")
        }
        await expectVaultError(.invalidArgument) { try await t.vault.renewConsent(session: "S1", scopes: ["training"], evidence: nil, givenOn: "2029-01-01", by: .unproven("test")) }
        #expect(try await t.vault.consentHistory(session: "S1").filter { $0.scope == "training" }.count == 2, "nothing refused changed anything")
    }

    /// A records officer's extension was undone by the next patient event or `fsck --repair`:
    /// the recording fell due again on the schedule's date, reviewed and extended for nothing.
    @Test func anExtensionHoldsAgainstEveryRecomputation() async throws {
        let (t, clock) = try await make(scopes: ["care", "training"])
        defer { t.remove() }
        let id = try await t.ingest([1], retentionClass: "training").id
        clock.set("2029-01-11")
        #expect(try await t.vault.sweep(actor: "test").queuedForReview == 1)
        let rita = try await t.officer(for: .extendRetention)
        try await t.vault.decideDisposition(id, approve: false, extendUntil: "2030-06-01", reason: "needed for the 2029/30 teaching cycle",
                                            by: rita)
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2030-06-01")

        // A patient event recomputes every due date of the patient's recordings.
        clock.set("2029-02-01")
        _ = try await t.vault.recordPatientEvent(patient: "9434765919", discharged: "2029-01-31", vaultPassphrase: t.passphrase, by: .officer(rita))
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2030-06-01")
        // fsck finds nothing to correct, and a repair leaves it.
        let report = try await t.vault.fsck(repair: true, by: .officer(rita))
        #expect(!report.findings.contains { $0.kind == "due-date" }, "\(report.findings)")
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2030-06-01")
        // The catalog holds the line even against a due date computed without the extension.
        try await t.vault.catalog.updateDueDates([DueDateUpdate(recording: id, dueOn: "2029-01-10", disposition: .review, rule: "stale")],
                                                 patient: nil, audit: AuditDraft(actor: "test", recordedAction: "test"))
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2030-06-01")
        let extensions = try await t.vault.catalog.retentionExtensions(of: id)
        #expect(extensions.map(\.untilOn) == ["2030-06-01"] && extensions.first?.decidedBy == "officer:rita")
        #expect(extensions.first?.reason == "needed for the 2029/30 teaching cycle" && extensions.first?.signature?.count == 96)

        // A renewal moving the schedule's date beyond the extension wins; the extension never shortens.
        clock.set("2029-03-01")
        try await t.vault.renewConsent(session: "S1", scopes: ["training"], evidence: "renewed", by: .officer(rita))
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2032-03-01")
        // When it ends the recording is reviewed again.
        clock.set("2032-03-02")
        #expect(try await t.vault.sweep(actor: "test").queuedForReview == 1)
    }

    /// The records officer's commands: renew, give again with a key holder, and the whole history listed.
    @Test func theCLIRenewsGivesAgainAndListsTheHistory() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        try await cli.expectOK(["role", "add", "trainer"])
        try await cli.expectOK(["consent", "record", "--session", "S1", "--patient", "9434765919", "--scope", "training", "--date", "2026-01-05"])
        try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "training", "--captured", "2026-01-06"],
                               stdin: Data([1, 2]))
        try await cli.expectOK(["consent", "renew", "--session", "S1", "--scope", "training", "--evidence", "form 77", "--date", "2026-02-01"])
        try await cli.expectOK(["consent", "withdraw", "--session", "S1", "--scope", "training", "--date", "2026-03-01"])
        let refused = try await cli.run(["consent", "record", "--session", "S1", "--patient", "9434765919", "--scope", "training"])
        #expect(refused.status != 0 && refused.stderr.contains("--unlock-role") && refused.stderr.contains("trainer"), "\(refused.stderr)")
        try await cli.expectOK(["consent", "record", "--session", "S1", "--patient", "9434765919", "--scope", "training",
                                "--unlock-role", "records-officer"])
        let table = try await cli.expectOK(["consent", "ls", "--session", "S1"]).out
        for expected in ["renewed 2026-02-01", "withdrawn 2026-03-01 (renewal)", "active"] {
            #expect(table.contains(expected), "\(table)")
        }
        let json = try await cli.expectOK(["consent", "show", "--session", "S1", "--json"]).out
        #expect(json.contains("\"isRenewal\" : true"), "\(json)")
    }
}
