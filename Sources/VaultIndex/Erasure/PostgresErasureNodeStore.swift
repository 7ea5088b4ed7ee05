/// The erasure tree's nodes in the PostgreSQL catalog's own database (tables of migration
/// `0014-erasure-tree`), shared by every node of a deployment.
///
/// ``write(_:)`` is one READ COMMITTED transaction that first takes the transaction-level advisory
/// lock ``LockKeys/erasure``: writers on every node queue there, and each one's later statements see
/// everything the previous holder committed. The tree replaces its root inside that body, so the
/// lock also serialises the root's writers. ``read(_:)`` is one REPEATABLE READ, READ ONLY
/// transaction: one snapshot of the nodes and the generation.
///
/// What PostgreSQL keeps of replaced or deleted node rows (dead tuples until VACUUM, WAL segments,
/// WAL archives, base backups, replicas, `pg_dump` files) is not erased here and need not be: each
/// such row is sealed under keys reachable only from a root that was overwritten. ``checkpoint()``
/// is therefore a no-op.
public final class PostgresErasureNodeStore: ErasureNodeStore {
    let catalog: PostgresCatalog

    init(catalog: PostgresCatalog) {
        self.catalog = catalog
    }

    public var location: String { catalog.configuration.redactedURL }

    public func read<T: Sendable>(_ body: nonisolated(nonsending) @Sendable (ErasureNodeTransaction) async throws -> T) async throws -> T {
        try await transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", writable: false, body)
    }

    public func write<T: Sendable>(_ body: nonisolated(nonsending) @Sendable (ErasureNodeTransaction) async throws -> T) async throws -> T {
        try await transaction("BEGIN ISOLATION LEVEL READ COMMITTED", writable: true, body)
    }

    public func checkpoint() async throws {}

    /// Not retried on a serialization failure: a writer holds the advisory lock before it reads, so
    /// none arises, and the body writes the root (outside the database) as it goes.
    private func transaction<T: Sendable>(_ begin: String, writable: Bool,
                                          _ body: nonisolated(nonsending) @Sendable (ErasureNodeTransaction) async throws -> T) async throws -> T {
        // The body's own errors pass through the pool's typed `withConnection` as a result.
        let outcome = try await catalog.withConnection { (connection) throws(CatalogError) -> Result<T, any Error> in
            do {
                return .success(try await connection.transaction(begin) {
                    if writable {
                        try await connection.run("SELECT pg_advisory_xact_lock(\(LockKeys.namespace), \(LockKeys.erasure))")
                    }
                    return try await body(ErasureNodeTransaction(session: PGSession(connection: connection), writable: writable))
                })
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }
}

extension PostgresCatalog {
    /// The erasure tree's node store in this catalog's database.
    public func erasureNodeStore() -> PostgresErasureNodeStore {
        PostgresErasureNodeStore(catalog: self)
    }
}
