public import Foundation

/// Where a vault's erasure tree keeps its sealed node keys: a SQLite file of its own on the
/// embedded default (``SQLiteErasureNodeStore``), the catalog's own database on PostgreSQL
/// (``PostgresErasureNodeStore``), so that every node of a deployment shares one tree.
///
/// The store holds opaque bytes: each node's key sealed under its parent's key, the tree's
/// generation (which root the top nodes are sealed under), a leaf counter and the intent log of
/// leaves about to be erased. Nothing in it is secret on its own: every copy of it, old or new, is
/// useless without the root of its generation, which lives outside (see `ErasureTree` in
/// SessionVault). The rules are written once, in ``ErasureNodeTransaction``.
///
/// ``write(_:)`` serialises writers (across processes and nodes) for its whole body, and the tree
/// replaces its root inside that body: the store's lock is what makes the root's two-slot protocol
/// safe with several writers.
public protocol ErasureNodeStore: Sendable {
    /// Where the nodes live, for messages (a file path, or the catalog's redacted URL).
    var location: String { get }

    /// Runs `body` on one consistent snapshot of the store.
    func read<T: Sendable>(_ body: nonisolated(nonsending) @Sendable (ErasureNodeTransaction) async throws -> T) async throws -> T

    /// Runs `body` holding the store's write lock; commits if it returns, rolls back if it throws.
    func write<T: Sendable>(_ body: nonisolated(nonsending) @Sendable (ErasureNodeTransaction) async throws -> T) async throws -> T

    /// Drops what the store's own files keep of replaced nodes where it can (SQLite's WAL); a no-op
    /// where it cannot (PostgreSQL: see ``PostgresErasureNodeStore``).
    func checkpoint() async throws
}

/// One transaction on an ``ErasureNodeStore``; valid only inside the body it was given to. The same
/// statements run on SQLite and on PostgreSQL (``SQLSession``'s `?` placeholders, `ON CONFLICT`,
/// `RETURNING`), over the tables `erasure_meta`, `erasure_nodes` and `erasure_pending`.
public final class ErasureNodeTransaction {
    let session: any SQLSession
    let writable: Bool

    init(session: any SQLSession, writable: Bool) {
        self.session = session
        self.writable = writable
    }

    /// A named counter (the generation, the next leaf); 0 if never set.
    public nonisolated(nonsending) func counter(_ name: String) async throws(CatalogError) -> UInt64 {
        UInt64(bitPattern: try await integer("SELECT value FROM erasure_meta WHERE key = ?", [.text(name)]) ?? 0)
    }

    public nonisolated(nonsending) func setCounter(_ name: String, _ value: UInt64) async throws(CatalogError) {
        try await run("INSERT INTO erasure_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                      [.text(name), .integer(Int64(bitPattern: value))])
    }

    /// The sealed node `id`, if it exists.
    public nonisolated(nonsending) func node(_ id: Int64) async throws(CatalogError) -> [UInt8]? {
        try await session.query("SELECT sealed FROM erasure_nodes WHERE id = ?", [.integer(id)]) { row throws(CatalogError) in
            try row.blob(0)
        }.first
    }

    /// The nodes with ids in `range`, in id order.
    public nonisolated(nonsending) func nodes(in range: ClosedRange<Int64>) async throws(CatalogError) -> [(id: Int64, sealed: [UInt8])] {
        try await session.query("SELECT id, sealed FROM erasure_nodes WHERE id BETWEEN ? AND ? ORDER BY id",
                                [.integer(range.lowerBound), .integer(range.upperBound)]) { row throws(CatalogError) in
            (try row.int(0), try row.blob(1))
        }
    }

    /// The nodes with ids in `range` created before `before`, in id order (leaves a collector may consider).
    public nonisolated(nonsending) func ids(in range: ClosedRange<Int64>, createdBefore before: Date) async throws(CatalogError) -> [Int64] {
        try await session.query("SELECT id FROM erasure_nodes WHERE id BETWEEN ? AND ? AND created_at_ms < ? ORDER BY id",
                                [.integer(range.lowerBound), .integer(range.upperBound), .integer(Self.millis(before))]) { row throws(CatalogError) in
            try row.int(0)
        }
    }

    /// How many nodes have ids in `range`.
    public nonisolated(nonsending) func count(in range: ClosedRange<Int64>) async throws(CatalogError) -> Int {
        Int(try await integer("SELECT count(*) FROM erasure_nodes WHERE id BETWEEN ? AND ?", [.integer(range.lowerBound), .integer(range.upperBound)]) ?? 0)
    }

    /// Leaves marked for erasure before the catalog change that deletes their wraps (an intent log:
    /// a crash between that change and the erasure leaves them here for the next settlement).
    public nonisolated(nonsending) func pending() async throws(CatalogError) -> [(leaf: UInt64, recording: [UInt8], role: String)] {
        try await session.query("SELECT leaf, recording_id, role FROM erasure_pending ORDER BY leaf", []) { row throws(CatalogError) in
            (UInt64(bitPattern: try row.int(0)), try row.blob(1), try row.text(2))
        }
    }

    public nonisolated(nonsending) func addPending(leaf: UInt64, recording: [UInt8], role: String) async throws(CatalogError) {
        try await run("""
            INSERT INTO erasure_pending (leaf, recording_id, role) VALUES (?, ?, ?)
            ON CONFLICT(leaf) DO UPDATE SET recording_id = excluded.recording_id, role = excluded.role
            """, [.integer(Int64(bitPattern: leaf)), .blob(recording), .text(role)])
    }

    public nonisolated(nonsending) func removePending(leaf: UInt64) async throws(CatalogError) {
        try await run("DELETE FROM erasure_pending WHERE leaf = ?", [.integer(Int64(bitPattern: leaf))])
    }

    /// Inserts or replaces node `id`.
    public nonisolated(nonsending) func put(_ id: Int64, sealed: [UInt8], at now: Date) async throws(CatalogError) {
        try await run("""
            INSERT INTO erasure_nodes (id, sealed, created_at_ms) VALUES (?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET sealed = excluded.sealed
            """, [.integer(id), .blob(sealed), .integer(Self.millis(now))])
    }

    /// Deletes node `id`; true if it existed.
    @discardableResult
    public nonisolated(nonsending) func delete(_ id: Int64) async throws(CatalogError) -> Bool {
        try await run("DELETE FROM erasure_nodes WHERE id = ? RETURNING id", [.integer(id)]) > 0
    }

    /// The first column of the first row `sql` returns, if it returns one.
    private nonisolated(nonsending) func integer(_ sql: String, _ values: [SQLValue]) async throws(CatalogError) -> Int64? {
        try await session.query(sql, values) { row throws(CatalogError) in try row.int(0) }.first
    }

    /// Runs a statement that writes; returns how many rows it returned.
    @discardableResult
    private nonisolated(nonsending) func run(_ sql: String, _ values: [SQLValue]) async throws(CatalogError) -> Int {
        guard writable else { throw .backend(message: "erasure tree: write in a read transaction") }
        return try await session.query(sql, values) { _ throws(CatalogError) in () }.count
    }

    private static func millis(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }
}
