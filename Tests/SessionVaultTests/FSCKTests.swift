import Foundation
import Testing
@testable import SessionVault
import VaultCrypto
@testable import VaultIndex

@Suite("fsck")
struct FSCKTests {
    @Test func aHealthyVaultHasNoFindings() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        _ = try await t.ingest(pseudoRandomBytes(2 * TestVault.chunkSize + 1))
        let report = try await t.vault.fsck(repair: false, by: .unproven("test"))
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.recordings == 1 && report.chunks == 3)
    }

    @Test func corruptionIsReportedAndNeverRepairedByDeletion() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let id = try await t.ingest(pseudoRandomBytes(2 * TestVault.chunkSize)).id
        var bytes = try [UInt8](Data(contentsOf: t.chunkFile(id, 1)))
        bytes[50] ^= 1
        try Data(bytes).write(to: t.chunkFile(id, 1))
        let report = try await t.vault.fsck(repair: true, by: .unproven("test"))
        #expect(report.errors.map(\.kind) == ["chunk"])
        #expect(FileManager.default.fileExists(atPath: t.chunkFile(id, 0).path))
        #expect(FileManager.default.fileExists(atPath: t.chunkFile(id, 1).path))
    }

    @Test func repairFinishesInterruptedWorkAndRemovesOrphansOnly() async throws {
        let clock = TestClock("2026-01-10")
        let t = try await TestVault.make(scopes: ["care", "supervision"], clock: clock.function)
        defer { t.remove() }
        let keep = try await t.ingest([1, 2, 3]).id
        let doomed = try await t.ingest([4], retentionClass: "supervision").id
        // An interrupted destruction: shredded but not finished.
        _ = try await t.vault.catalog.beginDisposal([(id: doomed, authorisedBy: "sweeper")], at: Date(), actor: "test")
        // An orphan blob and stale wraps on a destroyed-looking row.
        let orphan = RecordingID.random()
        try await t.vault.store.put(try ChunkLayout.key(of: orphan, index: 0), [9, 9], options: .none)
        // A wrong due date.
        try SQLiteConnection(path: t.catalogPath).run("UPDATE recordings SET due_on = '2099-01-01' WHERE id = ?", [.blob(keep.bytes)])

        let check = try await t.vault.fsck(repair: false, grace: 0, by: .unproven("test"))
        #expect(Set(check.findings.map(\.kind)) == ["interrupted-destruction", "orphan-blobs", "due-date"])
        #expect(try await t.vault.catalog.disposing(limit: 10).count == 1)

        let repaired = try await t.vault.fsck(repair: true, grace: 0, by: .unproven("test"))
        #expect(repaired.errors.isEmpty)
        #expect(Set(repaired.findings.map(\.severity)) == [.repaired])
        #expect(try await t.vault.catalog.destructionRecords(since: nil, limit: 10).map(\.recording) == [doomed])
        #expect(try await t.vault.store.list(prefix: ChunkLayout.directory(of: orphan)).isEmpty)
        #expect(try await t.vault.catalog.recording(keep)?.dueOn == nil)
        #expect(try await t.read(keep) == [1, 2, 3])
        #expect(try await t.vault.fsck(repair: false, grace: 0, by: .unproven("test")).findings.isEmpty)
    }

    @Test func aLiveRecordingWithoutWrapsAndAMissingKeyFileAreErrors() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let id = try await t.ingest([1]).id
        try SQLiteConnection(path: t.catalogPath).run("DELETE FROM wraps WHERE recording_id = ?", [.blob(id.bytes)])
        let role = try #require(try await t.vault.catalog.role(named: "supervisor"))
        try FileManager.default.removeItem(at: t.root.appendingPathComponent("keyring/roles/supervisor/\(role.keyID).json"))
        let report = try await t.vault.fsck(repair: true, by: .unproven("test"))
        #expect(Set(report.errors.map(\.kind)) == ["no-wraps", "missing-key"])
    }
}
