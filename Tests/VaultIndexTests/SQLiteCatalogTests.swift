import Foundation
import Synchronization
import Testing
@testable import VaultIndex

@Suite("SQLiteCatalog")
struct SQLiteCatalogTests {
    @Test func aSchemaNewerThanTheProgramIsRefused() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("c.sqlite").path
        let catalog = try SQLiteCatalog(path: path)
        try await catalog.migrate()
        let raw = try SQLiteConnection(path: path)
        try raw.run("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (999, 'future', 0)")
        await #expect(throws: CatalogError.schemaTooNew(found: 999, supported: CatalogMigrations.latestVersion)) { try await catalog.migrate() }
    }

    final class Progress: Sendable {
        let state = Mutex((began: false, submitted: 0))
    }

    @Test func auditEntriesArrivingDuringACommitShareTheNextOne() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try SQLiteCatalog(path: dir.appendingPathComponent("c.sqlite").path)
        try await catalog.migrate()
        try await catalog.appendAudit(AuditDraft(actor: "first", recordedAction: "get"))
        #expect(await catalog.auditBatches == 1)
        // Keep the catalog's queue busy (as a commit waiting on its fsync does) while 50 requests
        // append: they queue behind it and are then written in one transaction. The queue is held
        // until every append has been submitted, however slowly a loaded machine schedules them.
        let progress = Progress()
        async let busy: Void = catalog.occupyForTesting(began: { progress.state.withLock { $0.began = true } },
                                                        until: { progress.state.withLock { $0.submitted } == 50 })
        while !progress.state.withLock({ $0.began }) { try await Task.sleep(for: .milliseconds(10)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<50 {
                group.addTask {
                    progress.state.withLock { $0.submitted += 1 }
                    try await catalog.appendAudit(AuditDraft(actor: "user\(n)", recordedAction: "get"))
                }
            }
            try await group.waitForAll()
        }
        await busy
        let batches = await catalog.auditBatches - 1
        #expect(batches >= 1 && batches <= 2, "50 entries took \(batches) commits")
        let entries = try await catalog.auditEntries(after: 0, limit: 100)
        #expect(entries.count == 51 && entries.allSatisfy { $0.isSelfConsistent })
    }

    @Test func errorsNeverCarryBoundValues() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try SQLiteCatalog(path: dir.appendingPathComponent("c.sqlite").path)
        try await catalog.migrate()
        let secret = "943-476-5919-secret-pseudonym"
        let consent = ConsentRecord(session: "s", patient: secret, scope: "care", evidenceSealed: nil, givenOn: "2026-01-01", recordedAt: Date())
        do {
            // No patient row: the foreign key fails.
            try await catalog.recordConsents([consent], audit: AuditDraft(actor: "t", recordedAction: "t"))
            Issue.record("expected a failure")
        } catch {
            #expect(!"\(error)".contains(secret))
        }
    }
}

extension SQLiteCatalog {
    /// Blocks this catalog's queue, as a long commit would, until `until` holds (then 0.2 s more, for
    /// work that has just been submitted to reach the queue) or 30 s have passed; calls `began` first.
    /// Lets a test line appends up behind a busy catalog to see them committed as one group.
    func occupyForTesting(began: @Sendable () -> Void, until: @Sendable () -> Bool) {
        began()
        let deadline = Date().addingTimeInterval(30)
        while !until(), Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.2)
    }
}
