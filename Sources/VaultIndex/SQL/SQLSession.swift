import Foundation

/// The locks a catalog transaction takes beyond row locks. SQLite needs none of them: its write
/// transaction (`BEGIN IMMEDIATE`) already serialises every writer of the file. On PostgreSQL each
/// is a transaction-level advisory lock (see ``PostgresCatalog``'s lock keys).
enum CatalogLock: Sendable {
    /// The audit chain's head: appends from every node, one at a time.
    case auditChain
    /// One session's consents: changes to them, and ingests checking them, one at a time.
    case consents(session: String)
    /// The schema: one migrator at a time, however many nodes start together.
    case migrations
}

/// One backend connection, inside a transaction for writes: the seam every catalog rule is written
/// over (``CatalogTransaction``). Statements use `?` placeholders (see ``SQLDialect/render(_:)``).
///
/// `nonisolated(nonsending)`: SQLite's calls block, and must run on the ``SQLiteCatalog`` actor's
/// own executor, not hop to the cooperative pool (see ``SQLiteExecutor``).
protocol SQLSession {
    var dialect: SQLDialect { get }

    /// Runs one statement and maps each row it returns.
    nonisolated(nonsending) func query<T>(_ sql: String, _ values: [SQLValue],
                                          _ map: (any SQLRowReading) throws(CatalogError) -> T) async throws(CatalogError) -> [T]

    /// Inserts rows into `table`, as few statements as the backend allows.
    nonisolated(nonsending) func insert(into table: String, columns: [String], rows: [[SQLValue]]) async throws(CatalogError)

    /// Takes `lock` until the transaction ends.
    nonisolated(nonsending) func take(_ lock: CatalogLock) async throws(CatalogError)

    /// Runs a migration's statements (SQLite runs the script whole; PostgreSQL's extended query
    /// protocol takes one statement at a time).
    nonisolated(nonsending) func apply(_ migration: CatalogMigrations.Migration) async throws(CatalogError)
}
