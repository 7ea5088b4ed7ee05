public import Foundation

/// The sealed node keys of a vault's erasure tree, in an SQLite file of their own.
///
/// The store holds opaque bytes: each node's key sealed under its parent's key, the tree's
/// generation (which root the top nodes are sealed under) and a leaf counter. Nothing in it is
/// secret on its own: every copy of it, old or new, is useless without the root of its generation,
/// which lives outside (see `ErasureTree` in SessionVault). It is kept apart from the catalog so
/// that a catalog restored from a backup still opens with the current tree, and so the same tree
/// serves whatever catalog backend the vault uses.
///
/// Every access is one SQLite transaction: ``read(_:)`` sees one snapshot, ``write(_:)`` holds
/// SQLite's write lock (`BEGIN IMMEDIATE`) for its whole body, so writers across processes queue.
public actor ErasureNodeStore {
    let db: SQLiteConnection
    private let executor = SQLiteExecutor(label: "vaultindex.erasure")

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// The file this store lives in.
    public nonisolated let path: String

    /// Opens (creating if needed) the store at `path`.
    public init(path: String) throws(CatalogError) {
        self.path = path
        db = try SQLiteConnection(path: path)
        // secure_delete: a replaced node's bytes do not linger in free pages (harmless without the
        // old root, but there is no reason to keep them). A small WAL, truncated at each checkpoint.
        try db.execute("""
            PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;
            PRAGMA journal_size_limit=1048576; PRAGMA wal_autocheckpoint=256;
            CREATE TABLE IF NOT EXISTS erasure_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS erasure_nodes (id INTEGER PRIMARY KEY, sealed BLOB NOT NULL, created_at_ms INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS erasure_pending (leaf INTEGER PRIMARY KEY, recording_id BLOB NOT NULL, role TEXT NOT NULL);
            """)
    }

    /// Runs `body` on one consistent snapshot of the store.
    public func read<T: Sendable>(_ body: @Sendable (ErasureNodeTransaction) throws -> T) throws -> T {
        try db.execute("BEGIN")
        defer { try? db.execute("COMMIT") }
        return try body(ErasureNodeTransaction(db: db, writable: false))
    }

    /// Runs `body` holding the store's write lock; commits if it returns, rolls back if it throws.
    public func write<T: Sendable>(_ body: @Sendable (ErasureNodeTransaction) throws -> T) throws -> T {
        try db.execute("BEGIN IMMEDIATE")
        do {
            let result = try body(ErasureNodeTransaction(db: db, writable: true))
            try db.execute("COMMIT")
            return result
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    /// Folds the WAL into the database and truncates it, so replaced nodes do not stay in the WAL.
    public func checkpoint() throws(CatalogError) {
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }
}

/// One transaction on an ``ErasureNodeStore``; valid only inside the body it was given to.
public final class ErasureNodeTransaction {
    let db: SQLiteConnection
    let writable: Bool

    init(db: SQLiteConnection, writable: Bool) {
        self.db = db
        self.writable = writable
    }

    /// A named counter (the generation, the next leaf); 0 if never set.
    public func counter(_ name: String) throws(CatalogError) -> UInt64 {
        UInt64(bitPattern: try db.queryOne("SELECT value FROM erasure_meta WHERE key = ?", [.text(name)]) { $0.int(0) } ?? 0)
    }

    public func setCounter(_ name: String, _ value: UInt64) throws(CatalogError) {
        try requireWritable()
        try db.run("INSERT INTO erasure_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   [.text(name), .integer(Int64(bitPattern: value))])
    }

    /// The sealed node `id`, if it exists.
    public func node(_ id: Int64) throws(CatalogError) -> [UInt8]? {
        try db.queryOne("SELECT sealed FROM erasure_nodes WHERE id = ?", [.integer(id)]) { $0.blob(0) }
    }

    /// The nodes with ids in `range`, in id order.
    public func nodes(in range: ClosedRange<Int64>) throws(CatalogError) -> [(id: Int64, sealed: [UInt8])] {
        try db.query("SELECT id, sealed FROM erasure_nodes WHERE id BETWEEN ? AND ? ORDER BY id",
                     [.integer(range.lowerBound), .integer(range.upperBound)]) { ($0.int(0), $0.blob(1)) }
    }

    /// The nodes with ids in `range` created before `before`, in id order (leaves a collector may consider).
    public func ids(in range: ClosedRange<Int64>, createdBefore before: Date) throws(CatalogError) -> [Int64] {
        try db.query("SELECT id FROM erasure_nodes WHERE id BETWEEN ? AND ? AND created_at_ms < ? ORDER BY id",
                     [.integer(range.lowerBound), .integer(range.upperBound), .integer(Int64(before.timeIntervalSince1970 * 1000))]) { $0.int(0) }
    }

    /// How many nodes have ids in `range`.
    public func count(in range: ClosedRange<Int64>) throws(CatalogError) -> Int {
        Int(try db.queryOne("SELECT count(*) FROM erasure_nodes WHERE id BETWEEN ? AND ?",
                            [.integer(range.lowerBound), .integer(range.upperBound)]) { $0.int(0) } ?? 0)
    }

    /// Leaves marked for erasure before the catalog change that deletes their wraps (an intent log:
    /// a crash between that change and the erasure leaves them here for the next settlement).
    public func pending() throws(CatalogError) -> [(leaf: UInt64, recording: [UInt8], role: String)] {
        try db.query("SELECT leaf, recording_id, role FROM erasure_pending ORDER BY leaf") { (UInt64(bitPattern: $0.int(0)), $0.blob(1), $0.text(2)) }
    }

    public func addPending(leaf: UInt64, recording: [UInt8], role: String) throws(CatalogError) {
        try requireWritable()
        try db.run("INSERT OR REPLACE INTO erasure_pending (leaf, recording_id, role) VALUES (?, ?, ?)",
                   [.integer(Int64(bitPattern: leaf)), .blob(recording), .text(role)])
    }

    public func removePending(leaf: UInt64) throws(CatalogError) {
        try requireWritable()
        try db.run("DELETE FROM erasure_pending WHERE leaf = ?", [.integer(Int64(bitPattern: leaf))])
    }

    /// Inserts or replaces node `id`.
    public func put(_ id: Int64, sealed: [UInt8], at now: Date) throws(CatalogError) {
        try requireWritable()
        try db.run("""
            INSERT INTO erasure_nodes (id, sealed, created_at_ms) VALUES (?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET sealed = excluded.sealed
            """, [.integer(id), .blob(sealed), .integer(Int64(now.timeIntervalSince1970 * 1000))])
    }

    /// Deletes node `id`; true if it existed.
    @discardableResult
    public func delete(_ id: Int64) throws(CatalogError) -> Bool {
        try requireWritable()
        return try db.run("DELETE FROM erasure_nodes WHERE id = ?", [.integer(id)]) > 0
    }

    private func requireWritable() throws(CatalogError) {
        guard writable else { throw .backend(message: "erasure tree: write in a read transaction") }
    }
}
