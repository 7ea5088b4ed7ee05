/// The erasure tree's nodes in an SQLite file of their own (`erasure/tree.sqlite`), for a vault on
/// the embedded catalog. It is kept apart from the catalog so that a catalog restored from a backup
/// still opens with the current tree.
///
/// Every access is one SQLite transaction: ``read(_:)`` sees one snapshot, ``write(_:)`` holds
/// SQLite's write lock (`BEGIN IMMEDIATE`) for its whole body, so writers across processes queue.
/// Bodies run on this actor's executor; the tree's only suspension points in them are this store's
/// own statements, which block rather than suspend, so nothing interleaves with a transaction.
public actor SQLiteErasureNodeStore: ErasureNodeStore {
    let db: SQLiteConnection
    private let executor = SQLiteExecutor(label: "vaultindex.erasure")

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// The file this store lives in.
    public nonisolated let path: String

    public nonisolated var location: String { path }

    /// Opens (creating if needed) the store at `path`.
    public init(path: String) throws(CatalogError) {
        self.path = path
        db = try SQLiteConnection(path: path)
        // secure_delete: a replaced node's bytes do not linger in free pages (harmless without the
        // old root, but there is no reason to keep them). A small WAL, truncated at each checkpoint.
        // The table definitions are the ones released with the first erasure tree: SQLite keeps each
        // `CREATE` statement's text, so they stay as they are (existing files open unchanged).
        try db.execute("""
            PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;
            PRAGMA journal_size_limit=1048576; PRAGMA wal_autocheckpoint=256;
            CREATE TABLE IF NOT EXISTS erasure_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS erasure_nodes (id INTEGER PRIMARY KEY, sealed BLOB NOT NULL, created_at_ms INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS erasure_pending (leaf INTEGER PRIMARY KEY, recording_id BLOB NOT NULL, role TEXT NOT NULL);
            """)
    }

    public func read<T: Sendable>(_ body: nonisolated(nonsending) @Sendable (ErasureNodeTransaction) async throws -> T) async throws -> T {
        let tx = ErasureNodeTransaction(session: SQLiteSession(db: db), writable: false)
        return try await db.transaction("BEGIN") { try await body(tx) }
    }

    public func write<T: Sendable>(_ body: nonisolated(nonsending) @Sendable (ErasureNodeTransaction) async throws -> T) async throws -> T {
        let tx = ErasureNodeTransaction(session: SQLiteSession(db: db), writable: true)
        return try await db.transaction { try await body(tx) }
    }

    /// Folds the WAL into the database and truncates it, so replaced nodes do not stay in the WAL.
    public func checkpoint() throws {
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }
}
