import Foundation
import Testing
@testable import VaultIndex

/// Migration 0010-request-clocks on a register made before it, on both backends: a SAR registered
/// `--extended` kept only its three-month due date; after the migration its extension is recorded,
/// so a due date recomputed from the history keeps it.
@Suite("Migration 0010: request clocks")
struct RequestClockMigrationTests {
    /// Requests as the register held them before 0010: an extended SAR, a plain SAR, an FOI and a closed SAR.
    static let before = """
        INSERT INTO requests (type, received_on, due_on, reference, recorded_at_ms, closed_on) VALUES
            ('sar', '2026-01-31', '2026-04-30', 'extended', 1000, NULL),
            ('sar', '2026-01-31', '2026-03-02', 'plain', 2000, NULL),
            ('foi', '2025-12-15', '2026-01-15', 'foi', 3000, NULL),
            ('sar', '2025-11-25', '2025-12-29', 'closed', 4000, '2025-12-20')
        """

    static func check(_ catalog: any Catalog) async throws {
        let all = try await catalog.requests(openOnly: false).sorted { $0.id! < $1.id! }
        #expect(all.map(\.extendedOn) == ["2026-01-31", nil, nil, nil])
        #expect(all.map(\.revision) == [1, 0, 0, 1])
        #expect(all.map(\.dueOn) == ["2026-04-30", "2026-03-02", "2026-01-15", "2025-12-29"])
        #expect(all.allSatisfy { $0.pausedOn == nil && $0.pauseReason == nil })
        let extended = try await catalog.requestEvents(all[0].id!)
        #expect(extended.map(\.kind) == [.extend] && extended.first?.on == "2026-01-31" && extended.first?.dueOn == "2026-04-30")
        #expect(extended.first?.actor == "migration:0010-request-clocks")
        #expect(try await catalog.requestEvents(all[1].id!).isEmpty)
        #expect(try await catalog.requestEvents(all[3].id!).map(\.kind) == [.close])
    }

    @Test func anSQLiteRegisterKeepsItsExtensions() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("c.sqlite").path
        let index = try #require(CatalogMigrations.all.firstIndex { $0.name == "0010-request-clocks" })
        let raw = try SQLiteConnection(path: path)
        try raw.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)")
        for (offset, migration) in CatalogMigrations.all[..<index].enumerated() {
            try raw.execute(migration.script(.sqlite))
            try raw.run("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, 0)", [.integer(Int64(offset + 1)), .text(migration.name)])
        }
        try raw.execute(Self.before)
        let catalog = try SQLiteCatalog(path: path)
        try await catalog.migrate()
        try await Self.check(catalog)
    }

    @Test func aPostgreSQLRegisterKeepsItsExtensions() async throws {
        guard CatalogBackend.enabled.contains(.postgres) else { return }
        try await PostgresTestServer.withDatabase { url in
            let catalog = try await PostgresTestServer.catalog(url)
            do {
                let index = try #require(CatalogMigrations.all.firstIndex { $0.name == "0010-request-clocks" })
                try await catalog.execute("""
                    CREATE TABLE schema_migrations (version bigint PRIMARY KEY, name text COLLATE "C" NOT NULL, applied_at_ms bigint NOT NULL)
                    """)
                for (offset, migration) in CatalogMigrations.all[..<index].enumerated() {
                    for statement in migration.statements(.postgres) { try await catalog.execute(statement) }
                    try await catalog.execute("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (\(offset + 1), '\(migration.name)', 0)")
                }
                try await catalog.execute(Self.before)
                try await catalog.migrate()
                try await Self.check(catalog)
            } catch {
                await catalog.close()
                throw error
            }
            await catalog.close()
        }
    }
}
