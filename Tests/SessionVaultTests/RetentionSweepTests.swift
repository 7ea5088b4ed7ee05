import Foundation
import Testing
@testable import SessionVault
import VaultCrypto
@testable import VaultIndex

@Suite("Retention, holds, withdrawal and the sweeper")
struct RetentionSweepTests {
    func make(scopes: [String], roles: [String] = ["clinician", "records-officer", "supervisor", "trainer"]) async throws -> (TestVault, TestClock) {
        let clock = TestClock("2026-01-10")
        let t = try await TestVault.make(roles: roles, scopes: scopes, clock: clock.function)
        return (t, clock)
    }

    func state(_ t: TestVault, _ id: RecordingID) async throws -> RecordingState? {
        try await t.vault.catalog.recordings(RecordingFilter(states: Set(RecordingState.allCases))).first { $0.id == id }?.state
    }

    @Test func aSupervisionCopyIsDestroyedWhenDueWithARecordAndNoBlobsLeft() async throws {
        let (t, clock) = try await make(scopes: ["supervision"])
        defer { t.remove() }
        let summary = try await t.ingest(pseudoRandomBytes(3 * TestVault.chunkSize), retentionClass: "supervision")
        #expect(summary.dueOn == "2026-04-10")
        clock.set("2026-04-09")
        #expect(try await t.vault.sweep(actor: "test").destroyed == 0)
        clock.set("2026-04-10")
        let dry = try await t.vault.sweep(dryRun: true, actor: "test")
        #expect(dry.due.map(\.count) == [1])
        #expect(try await state(t, summary.id) == .live)
        let report = try await t.vault.sweep(actor: "test")
        #expect(report.destroyed == 1)
        #expect(try await state(t, summary.id) == .destroyed)
        #expect(try await t.vault.store.list(prefix: "chunks/").isEmpty)
        let records = try await t.vault.catalog.destructionRecords(since: nil, limit: 10)
        #expect(records.map(\.recording) == [summary.id])
        #expect(records.first?.chunkCount == 3)
        #expect(records.first?.dueOn == "2026-04-10")
        #expect(records.first?.digestRoot.count == 64)
        #expect(try await t.vault.catalog.wrapRoles(of: summary.id).isEmpty)
        await expectVaultError(.notLive) { try await t.read(summary.id, as: "supervisor") }
    }

    @Test func holdsBeatEverythingUntilReleased() async throws {
        let (t, clock) = try await make(scopes: ["supervision"])
        defer { t.remove() }
        let a = try await t.ingest([1], retentionClass: "supervision").id
        let b = try await t.ingest([2], retentionClass: "supervision").id
        await expectVaultError(.noActiveScope) { try await t.ingest([3], retentionClass: "training") }
        let recordingHold = try await t.vault.placeHold(recording: a, patient: nil, vaultPassphrase: nil, reason: "complaint", caseRef: "C-1", by: .unproven("test"))
        let patientHold = try await t.vault.placeHold(recording: nil, patient: "9434765919", vaultPassphrase: t.passphrase, reason: "inquiry", caseRef: "I-9", by: .unproven("test"))
        clock.set("2030-01-01")
        let report = try await t.vault.sweep(actor: "test")
        #expect(report.destroyed == 0)
        #expect(report.due.first?.held == 2)
        try await t.vault.releaseHold(patientHold, by: .unproven("test"))
        #expect(try await t.vault.sweep(actor: "test").destroyed == 1)
        #expect(try await state(t, b) == .destroyed)
        #expect(try await state(t, a) == .live)
        try await t.vault.releaseHold(recordingHold, by: .unproven("test"))
        #expect(try await t.vault.sweep(actor: "test").destroyed == 1)
        await expectVaultError(.notLive) {
            try await t.vault.placeHold(recording: a, patient: nil, vaultPassphrase: nil, reason: "late", caseRef: "X", by: .unproven("test"))
        }
    }

    /// Feeds ingest from memory and runs `during` (once) when asked for the second chunk: the
    /// upload is then under way, its consent already read.
    struct InterruptedReader: ChunkReader {
        var inner: BufferChunkReader
        var during: (@Sendable () async throws -> Void)?
        var calls = 0

        mutating func nextChunk(size: Int, headroom: Int, tailroom: Int) async throws -> PlainChunk {
            calls += 1
            if calls == 2, let action = during {
                during = nil
                try await action()
            }
            return try await inner.nextChunk(size: size, headroom: headroom, tailroom: tailroom)
        }
    }

    @Test func aWithdrawalDuringAnUploadIsNotMissedByIt() async throws {
        let (t, _) = try await make(scopes: ["care", "training"])
        defer { t.remove() }
        let vault = t.vault
        let bytes = pseudoRandomBytes(3 * TestVault.chunkSize, seed: 11)
        var reader = InterruptedReader(inner: BufferChunkReader(bytes: bytes), during: {
            _ = try await vault.withdrawConsent(session: "S1", scope: "training", by: .unproven("test"))
        })
        let summary = try await vault.ingest(IngestRequest(session: "S1", clinician: "dr-a", retentionClass: "care", actor: "test"), from: &reader)
        #expect(summary.wrappedFor == ["clinician", "records-officer"], "no wrap for the role whose consent was withdrawn mid-upload")
        #expect(try await vault.catalog.wrapRoles(of: summary.id) == ["clinician", "records-officer"])
        await expectVaultError(.noWrap) { try await t.read(summary.id, as: "trainer") }
        #expect(try await t.read(summary.id, as: "clinician") == bytes)

        // A training recording whose only justifying scope is withdrawn mid-upload is refused, and nothing stays.
        try await vault.recordConsent(ConsentRequest(session: "S2", patientIdentifier: "9434765919", scopes: ["care", "training"]),
                                      vaultPassphrase: t.passphrase, by: .unproven("test"))
        var second = InterruptedReader(inner: BufferChunkReader(bytes: bytes), during: {
            _ = try await vault.withdrawConsent(session: "S2", scope: "training", by: .unproven("test"))
        })
        await expectVaultError(.noActiveScope) {
            _ = try await vault.ingest(IngestRequest(session: "S2", clinician: "dr-a", retentionClass: "training", actor: "test"), from: &second)
        }
        #expect(try await vault.catalog.recordings(RecordingFilter(session: "S2")).isEmpty)
        #expect(try await vault.catalog.stagingRecords().isEmpty)
    }

    @Test func withdrawingTrainingConsentRevokesTheTrainerWrapOnly() async throws {
        let (t, clock) = try await make(scopes: ["care", "training"])
        defer { t.remove() }
        let id = try await t.ingest([1, 2, 3], retentionClass: "training").id
        #expect(try await t.vault.catalog.wrapRoles(of: id) == ["clinician", "records-officer", "trainer"])
        #expect(try await t.read(id, as: "trainer") == [1, 2, 3])
        clock.set("2026-02-01")
        let summary = try await t.vault.withdrawConsent(session: "S1", scope: "training", by: .unproven("test"))
        #expect(summary.revokedRoles == ["trainer"])
        #expect(summary.wrapsRevoked == 1)
        #expect(summary.remainingScopes == ["care"])
        #expect(try await t.vault.catalog.wrapRoles(of: id) == ["clinician", "records-officer"])
        await expectVaultError(.noWrap) { try await t.read(id, as: "trainer") }
        #expect(try await t.read(id, as: "clinician") == [1, 2, 3])
        // The training class shortens on withdrawal: due after the 30-day grace.
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2026-03-03")
        await expectVaultError(.noActiveScope) { try await t.vault.withdrawConsent(session: "S1", scope: "training", by: .unproven("test")) }
    }

    @Test func withdrawingTheLastScopeOfACareRecordingKeepsItForTheRecord() async throws {
        let (t, _) = try await make(scopes: ["care"])
        defer { t.remove() }
        let id = try await t.ingest([1], retentionClass: "care").id
        let summary = try await t.vault.withdrawConsent(session: "S1", scope: "care", by: .unproven("test"))
        #expect(summary.revokedRoles == ["clinician"])
        #expect(try await t.vault.catalog.wrapRoles(of: id) == ["records-officer"])
        #expect(try await t.vault.catalog.recording(id)?.dueOn == nil)
    }

    @Test func patientEventsMoveDueDatesAndReviewsAreQueuedNotDestroyed() async throws {
        let (t, clock) = try await make(scopes: ["care"])
        defer { t.remove() }
        let id = try await t.ingest([1], retentionClass: "care").id
        #expect(try await t.vault.catalog.recording(id)?.dueOn == nil)
        clock.set("2026-03-02")
        _ = try await t.vault.recordPatientEvent(patient: "943 476 5919", discharged: "2026-03-01", vaultPassphrase: t.passphrase, by: .unproven("test"))
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2046-03-01")
        clock.set("2027-05-06")
        _ = try await t.vault.recordPatientEvent(patient: "9434765919", lastContact: "2027-05-05", vaultPassphrase: t.passphrase, by: .unproven("test"))
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2047-05-05")
        clock.set("2030-01-02")
        _ = try await t.vault.recordPatientEvent(patient: "9434765919", died: "2030-01-01", vaultPassphrase: t.passphrase, by: .unproven("test"))
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2040-01-01")
        clock.set("2040-01-02")
        let report = try await t.vault.sweep(actor: "test")
        #expect(report.destroyed == 0)
        #expect(report.queuedForReview == 1)
        #expect(try await t.vault.catalog.dispositions(status: .pending).map(\.recording) == [id])
        #expect(try await t.vault.sweep(actor: "test").queuedForReview == 0)
        try await t.vault.decideDisposition(id, approve: true, reason: "appraised", by: try await t.officer())
        #expect(try await t.vault.sweep(actor: "test").destroyed == 1)
        let authorisation = try #require(try await t.vault.catalog.destructionRecords(since: nil, limit: 5).first?.authorisedBy)
        #expect(authorisation.hasPrefix("review approved by officer:rita at ") && authorisation.contains(" ms (ed25519 key "), "\(authorisation)")
    }

    @Test func anExtendedReviewMovesTheDueDate() async throws {
        let (t, clock) = try await make(scopes: ["care", "training"])
        defer { t.remove() }
        let id = try await t.ingest([1], retentionClass: "training").id
        clock.set("2029-01-11")
        #expect(try await t.vault.sweep(actor: "test").queuedForReview == 1)
        try await t.vault.decideDisposition(id, approve: false, extendUntil: "2030-06-01", reason: "consent renewed",
                                            by: try await t.officer(for: .extendRetention))
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2030-06-01")
        #expect(try await t.vault.catalog.dispositions(status: nil).isEmpty)
        #expect(try await t.vault.sweep(actor: "test").queuedForReview == 0)
    }

    @Test func aDryRunChangesNothing() async throws {
        let (t, clock) = try await make(scopes: ["supervision"])
        defer { t.remove() }
        let id = try await t.ingest([1], retentionClass: "supervision").id
        clock.set("2027-01-01")
        let auditBefore = try await t.vault.catalog.auditEntries(after: 0, limit: 1000).count
        let report = try await t.vault.sweep(dryRun: true, actor: "test")
        #expect(report.due.reduce(0) { $0 + $1.count } == 1)
        #expect(report.destroyed == 0)
        #expect(try await state(t, id) == .live)
        #expect(try await t.vault.catalog.auditEntries(after: 0, limit: 1000).count == auditBefore)
    }

    /// The sweeper holds no key: with the keyring gone entirely it still destroys what is due,
    /// and it cannot decrypt anything.
    @Test func theSweeperNeedsNoKeyAndCannotDecrypt() async throws {
        let (t, clock) = try await make(scopes: ["care", "supervision"])
        defer { t.remove() }
        let due = try await t.ingest([1], retentionClass: "supervision").id
        let other = try await t.ingest([2], retentionClass: "care").id
        let keyring = t.root.appendingPathComponent("keyring")
        let hidden = t.root.appendingPathComponent("keyring-elsewhere")
        try FileManager.default.moveItem(at: keyring, to: hidden)
        let sweeperVault = try await Vault.open(at: VaultLayout(root: t.root), clock: clock.function)
        clock.set("2027-01-01")
        #expect(try await sweeperVault.sweep(actor: "test").destroyed == 1)
        #expect(try await state(t, due) == .destroyed)
        await expectVaultError(.keyring) { try await sweeperVault.unlockRole("clinician", passphrase: t.passphrase) }
        try FileManager.default.moveItem(at: hidden, to: keyring)
        #expect(try await t.read(other) == [2])
    }
}
