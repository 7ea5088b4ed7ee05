/// The catalog's rules on SQLite: a ``SQLiteConnection`` as an ``SQLSession``. It runs on the
/// ``SQLiteCatalog`` actor's executor, inside the transaction the catalog began (`BEGIN IMMEDIATE`,
/// which holds the file's one write lock to commit: hence no row or advisory locks to take).
struct SQLiteSession: SQLSession {
    let db: SQLiteConnection

    var dialect: SQLDialect { .sqlite }

    nonisolated(nonsending) func query<T>(_ sql: String, _ values: [SQLValue],
                                          _ map: (any SQLRowReading) throws(CatalogError) -> T) async throws(CatalogError) -> [T] {
        try db.query(sql, values) { (row) throws(CatalogError) in try map(row) }
    }

    /// One cached statement run per row: SQLite has no round trips to save.
    nonisolated(nonsending) func insert(into table: String, columns: [String], rows: [[SQLValue]]) async throws(CatalogError) {
        guard !rows.isEmpty else { return }
        let sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(SQLDialect.placeholders(columns.count))"
        for row in rows { try db.run(sql, row) }
    }

    nonisolated(nonsending) func take(_ lock: CatalogLock) async throws(CatalogError) {}

    nonisolated(nonsending) func apply(_ migration: CatalogMigrations.Migration) async throws(CatalogError) {
        try db.execute(migration.script(dialect))
    }
}
