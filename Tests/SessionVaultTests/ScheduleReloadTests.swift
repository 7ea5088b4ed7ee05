import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SessionVault

/// A long-running process (the service, the sweeper daemon) follows edits of the retention
/// schedule without a restart, and never decides anything on a schedule that does not parse.
@Suite("Schedule reload")
struct ScheduleReloadTests {
    @Test func anEditedScheduleIsUsedAtTheNextUseAndABrokenOneIsAnErrorUntilMended() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let url = t.vault.retentionScheduleURL
        let original = try String(contentsOf: url, encoding: .utf8)
        await expectVaultError(.invalidArgument) { try t.vault.retentionPlanner().requireClass("pilot-study") }

        // A new class, written in place: picked up without reopening the vault.
        let edited = original + """

            [class.pilot-study]
            title = "Recorded for a service-evaluation pilot"
            rules = [{ after = "captured", period = "1y" }]
            disposition = "destroy"
            withdrawal-shortens = true
            source = "test"

            """
        try edited.write(to: url, atomically: false, encoding: .utf8)
        try t.vault.retentionPlanner().requireClass("pilot-study")
        _ = try await t.ingest(pseudoRandomBytes(100), retentionClass: "pilot-study")

        // A broken edit: an error naming the file, for every use, until the file is mended.
        try (edited + "\n[class.broken\n").write(to: url, atomically: false, encoding: .utf8)
        await expectVaultError(.config) { try t.vault.retentionPlanner() }
        await expectVaultError(.config) { _ = try await t.ingest(pseudoRandomBytes(100), retentionClass: "pilot-study") }
        await expectVaultError(.config) { try t.vault.retentionPlanner() }

        // Mended by replacing the file (a rename, as an editor or a deployment does).
        let staged = url.deletingLastPathComponent().appendingPathComponent("schedule.new")
        try original.write(to: staged, atomically: false, encoding: .utf8)
        #expect(rename(staged.path, url.path) == 0)
        await expectVaultError(.invalidArgument) { try t.vault.retentionPlanner().requireClass("pilot-study") }
        try t.vault.retentionPlanner().requireClass("care")
    }

    @Test func anUnchangedScheduleIsParsedOnce() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let first = try t.vault.retentionPlanner()
        // Parsing again would fail now: the memo must answer without reading the file's contents.
        let url = t.vault.retentionScheduleURL
        let stamp = try #require(FileStamp(path: url.path))
        #expect(FileStamp(path: url.path) == stamp)
        #expect(try t.vault.retentionPlanner().path == first.path)
        #expect(try t.vault.memo.planner(stamp: stamp) { throw VaultError.invalidArgument("parsed again") }.path == first.path)
    }
}
