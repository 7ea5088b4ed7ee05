import Foundation
import Testing
@testable import SessionVault
@testable import VaultIndex

/// A sweep destroys nothing by due dates that the schedule in force may no longer give: after an
/// edit, until `fsck --repair` has brought the stored dates into line.
@Suite("Schedule interlock")
struct ScheduleInterlockTests {
    static let day: TimeInterval = 86_400

    @Test func anEditedScheduleStopsSweepsUntilFsckRepairHasCorrectedTheDueDates() async throws {
        let clock = TestClock(Date())
        let t = try await TestVault.make(scopes: ["care", "supervision"], clock: clock.function)
        defer { t.remove() }
        let id = try await t.ingest(pseudoRandomBytes(1000), retentionClass: "supervision").id
        let stored = try #require(try await t.vault.catalog.recording(id)?.dueOn)
        // A fresh vault's dates follow its schedule: a sweep runs (nothing is due yet).
        #expect(try await t.vault.sweep(actor: "test").destroyed == 0)

        // Supervision copies are now kept 400 days instead of 90.
        let url = t.vault.retentionScheduleURL
        let text = try String(contentsOf: url, encoding: .utf8)
        let supervision = try #require(text.range(of: "[class.supervision]"))
        let rule = try #require(text.range(of: "period = \"90d\"", range: supervision.upperBound..<text.endIndex))
        try text.replacingCharacters(in: rule, with: "period = \"400d\"").write(to: url, atomically: true, encoding: .utf8)

        // 100 days on, the stored (old) date has passed, but the sweep refuses to destroy.
        clock.advance(days: 100)
        do {
            _ = try await t.vault.sweep(actor: "test")
            Issue.record("a sweep ran under an edited schedule")
        } catch {
            #expect(error.code == .scheduleChanged && error.subject == url.path, "\(error)")
            #expect(error.names.count == 2 && error.names[0] != error.names[1], "a recorded schedule that differs from the current one")
        }
        #expect(try await t.vault.catalog.recording(id)?.state == .live)
        #expect(try await t.vault.sweep(dryRun: true, actor: "test").destroyed == 0)   // a dry run still reports

        // fsck names both problems; --repair corrects the date and lifts the stop.
        let check = try await t.vault.fsck(repair: false, by: .unproven("test"))
        #expect(check.findings.contains { $0.kind == "schedule" && $0.severity == .error })
        #expect(check.findings.contains { $0.kind == "due-date" && $0.subject.contains(id.description) })
        let repaired = try await t.vault.fsck(repair: true, by: .unproven("test"))
        #expect(repaired.findings.contains { $0.kind == "schedule" && $0.severity == .repaired })
        let corrected = try #require(try await t.vault.catalog.recording(id)?.dueOn)
        #expect(corrected > stored)
        #expect(try await t.vault.fsck(repair: false, by: .unproven("test")).findings.filter { $0.kind == "schedule" || $0.kind == "due-date" }.isEmpty)
        #expect(try await t.vault.sweep(actor: "test").destroyed == 0)
        clock.advance(days: 301)
        #expect(try await t.vault.sweep(actor: "test").destroyed == 1)
        let audit = try await t.vault.catalog.auditEntries(after: 0, limit: 10_000)
        #expect(audit.filter { $0.draft.action == "schedule.adopt" }.count == 2)   // at creation, at the repair
    }

    @Test func aVaultWithNoRecordedScheduleSweepsOnlyAfterARepair() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        // As a vault made before the check existed.
        let db = try SQLiteConnection(path: t.catalogPath)
        try db.run("DELETE FROM vault_meta WHERE key = ?", [.text(Vault.scheduleDigestKey)])
        await expectVaultError(.scheduleChanged) { _ = try await t.vault.sweep(actor: "test") }
        _ = try await t.vault.fsck(repair: true, by: .unproven("test"))
        #expect(try await t.vault.sweep(actor: "test").destroyed == 0)
    }
}
