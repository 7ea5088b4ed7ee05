import Foundation
import Testing
@testable import SessionVault
@testable import VaultIndex

/// Copies die with their source. The attack: destroying a supervision original left its stored
/// review copy decodable. A copy is now due no later than its source, destroyed in the same sweep
/// as its source (each with its own destruction record), and held while its source is held.
@Suite("Derived copies follow their source")
struct CascadeTests {
    struct Setup {
        let t: TestVault
        let clock: TestClock
        let source: RecordingID
        let copy: RecordingID
    }

    /// A supervision original (due 2026-04-10) and a copy made the way an earlier version made them:
    /// its own due date, years after its source's.
    func setUp() async throws -> Setup {
        let clock = TestClock("2026-01-10")
        let t = try await TestVault.make(scopes: ["care", "supervision"], clock: clock.function)
        let source = try await t.ingest(pseudoRandomBytes(2 * TestVault.chunkSize), retentionClass: "supervision").id
        var reader = BufferChunkReader(bytes: pseudoRandomBytes(1000, seed: 9))
        let copy = try await t.vault.ingest(IngestRequest(session: "S1", clinician: "dr-a", retentionClass: "review-copy", source: source, actor: "test"), from: &reader).id
        try sql(t, "UPDATE recordings SET due_on = '2031-01-01' WHERE id = ?", [.blob(copy.bytes)])
        return Setup(t: t, clock: clock, source: source, copy: copy)
    }

    func sql(_ t: TestVault, _ statement: String, _ values: [SQLValue]) throws {
        try SQLiteConnection(path: t.catalogPath).run(statement, values)
    }

    func state(_ t: TestVault, _ id: RecordingID) async throws -> RecordingState? {
        try await t.vault.catalog.recordings(RecordingFilter(states: Set(RecordingState.allCases))).first { $0.id == id }?.state
    }

    @Test func aCopyIsDestroyedWithItsSourceWithARecordOfItsOwn() async throws {
        let s = try await setUp()
        defer { s.t.remove() }
        s.clock.set("2026-04-10")
        let report = try await s.t.vault.sweep(actor: "test")
        #expect(report.destroyed == 2)
        #expect(try await state(s.t, s.source) == .destroyed)
        #expect(try await state(s.t, s.copy) == .destroyed, "the copy went with its source, years before its own date")
        let records = try await s.t.vault.catalog.destructionRecords(since: nil, limit: 10)
        let copyRecord = try #require(records.first { $0.recording == s.copy })
        #expect(copyRecord.authorisedBy == "with its source \(s.source) (sweeper (schedule))")
        #expect(copyRecord.asOf == "2026-04-10")
        #expect(try await s.t.vault.catalog.wrapRoles(of: s.copy).isEmpty)
        #expect(try await s.t.vault.store.list(prefix: "chunks/").isEmpty, "no chunk of either is left")
        await expectVaultError(.notLive) { try await s.t.read(s.copy) }
        #expect(try await s.t.vault.fsck(repair: false, by: .unproven("test")).findings.isEmpty)
    }

    @Test func aHeldSourceHoldsItsCopies() async throws {
        let s = try await setUp()
        defer { s.t.remove() }
        try sql(s.t, "UPDATE recordings SET due_on = '2026-02-01' WHERE id = ?", [.blob(s.copy.bytes)])   // the copy due on its own
        let hold = try await s.t.vault.placeHold(recording: s.source, patient: nil, vaultPassphrase: nil, reason: "complaint", caseRef: "C-1", by: .unproven("test"))
        s.clock.set("2026-04-10")
        #expect(try await s.t.vault.sweep(actor: "test").destroyed == 0)
        #expect(try await state(s.t, s.copy) == .live)
        #expect(try await s.t.read(s.copy).count == 1000)
        try await s.t.vault.releaseHold(hold, by: .unproven("test"))
        #expect(try await s.t.vault.sweep(actor: "test").destroyed == 2)
    }

    @Test func aNewCopyIsNeverDueAfterItsSource() async throws {
        let clock = TestClock("2026-01-10")
        let t = try await TestVault.make(scopes: ["care", "supervision"], clock: clock.function)
        defer { t.remove() }
        let source = try await t.ingest(pseudoRandomBytes(1000), retentionClass: "supervision")
        var reader = BufferChunkReader(bytes: pseudoRandomBytes(100))
        // A copy kept as a care record (20 years) still goes when its supervision source goes.
        let copy = try await t.vault.ingest(IngestRequest(session: "S1", clinician: "dr-a", retentionClass: "care", source: source.id, actor: "test"), from: &reader)
        #expect(copy.dueOn == source.dueOn)
        #expect(try await t.vault.catalog.recording(copy.id)?.retentionRule == "with its source \(source.id) (due \(source.dueOn ?? ""))")
        // fsck agrees (it would otherwise "repair" the copy back to 20 years).
        #expect(try await t.vault.fsck(repair: false, by: .unproven("test")).findings.filter { $0.kind == "due-date" }.isEmpty)

        // A copy must be of a live recording of its own session.
        try await t.vault.recordConsent(ConsentRequest(session: "S2", patientIdentifier: "4010232137", scopes: ["care"]), vaultPassphrase: t.passphrase, by: .unproven("test"))
        var other = BufferChunkReader(bytes: [1])
        await expectVaultError(.invalidArgument) {
            _ = try await t.vault.ingest(IngestRequest(session: "S2", clinician: "dr-a", retentionClass: "care", source: source.id, actor: "test"), from: &other)
        }
    }
}
