public import Foundation

/// The embedded catalog: one SQLite file in WAL mode with `synchronous=FULL`, so a committed
/// transaction survives power loss. Several processes (CLI, server, sweeper) may share the file;
/// writers queue on SQLite's lock with a busy timeout.
///
/// The rules are the shared ones (``CatalogTransaction``); what is SQLite's own is here: the
/// connection and its pragmas, the transactions, the group commit of lone audit entries, and
/// ``purgeDeleted()``.
public actor SQLiteCatalog: Catalog {
    let db: SQLiteConnection
    let clock: @Sendable () -> Date
    /// Runs this actor's work (every SQLite call) off the cooperative thread pool.
    private let executor = SQLiteExecutor(label: "vaultindex.sqlite")

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Audit entries waiting for the next group commit (``appendAudit(_:)``), each with its caller.
    private var pendingAudit: [(draft: AuditDraft, done: CheckedContinuation<Result<Void, CatalogError>, Never>)] = []
    private var auditCommitScheduled = false
    /// Transactions that have committed audit entries through ``appendAudit(_:)``.
    private(set) var auditBatches = 0

    /// Opens (creating if needed) the catalog at `path`. Call ``migrate()`` before use.
    public init(path: String, clock: @escaping @Sendable () -> Date = { Date() }) throws(CatalogError) {
        db = try SQLiteConnection(path: path)
        self.clock = clock
        // A 16 MiB page cache (default 2 MiB): a sweep touches a dozen B-trees at random keys per
        // recording. Checkpoint every 20,000 WAL pages (80 MiB) rather than 1,000: a sweep batch dirties
        // more than 1,000 pages, so each commit was followed by a checkpoint of pages the next commit
        // dirties again. secure_delete zeroes what a deleted row (a wrap) leaves in freed space, and
        // journal_size_limit bounds the WAL after each checkpoint (``purgeDeleted()`` truncates it).
        try db.execute("""
            PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;
            PRAGMA cache_size=-16384; PRAGMA wal_autocheckpoint=20000;
            PRAGMA secure_delete=ON; PRAGMA journal_size_limit=67108864;
            """)
    }

    // MARK: - Transactions

    /// Runs `body` in one write transaction (``SQLiteConnection/transaction(_:_:)``) on this actor's executor.
    package func write<T: Sendable>(_ body: sending nonisolated(nonsending) (CatalogTransaction) async throws(CatalogError) -> T)
        async throws(CatalogError) -> T {
        let tx = CatalogTransaction(session: SQLiteSession(db: db), clock: clock)
        do {
            return try await db.transaction { try await body(tx) }
        } catch {
            // Only CatalogError reaches here: the body's, or SQLite's own.
            throw error as? CatalogError ?? .backend(message: "\(error)")
        }
    }

    /// Runs `body`'s reads, each statement on its own snapshot (as a PostgreSQL read at READ COMMITTED).
    package func read<T: Sendable>(_ body: sending nonisolated(nonsending) (CatalogTransaction) async throws(CatalogError) -> T)
        async throws(CatalogError) -> T {
        try await body(CatalogTransaction(session: SQLiteSession(db: db), clock: clock))
    }

    // MARK: - Maintenance

    public func purgeDeleted() throws(CatalogError) {
        // TRUNCATE waits (busy timeout) for readers of the WAL to finish, then empties it; freed pages
        // of the database were zeroed when freed (secure_delete).
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    // MARK: - Audit group commit

    /// Appends an audit entry and returns once it is durable.
    ///
    /// Group commit: entries that arrive while a commit waits for its fsync are written together in
    /// the next transaction, one fsync for all of them. Each caller still returns only after its own
    /// entry has committed, so "the access is recorded before the bytes flow" holds as before; a
    /// service answering many requests at once no longer pays one fsync per request. (PostgreSQL's
    /// commits from many connections overlap on the server, so it appends each entry on its own.)
    public func appendAudit(_ draft: AuditDraft) async throws(CatalogError) {
        let result = await withCheckedContinuation { (done: CheckedContinuation<Result<Void, CatalogError>, Never>) in
            pendingAudit.append((draft, done))
            if !auditCommitScheduled {
                auditCommitScheduled = true
                // Enqueued on this actor's serial queue behind the appends already waiting there,
                // which join this batch.
                Task { await self.commitPendingAudit() }
            }
        }
        try result.get()
    }

    /// Writes every waiting audit entry in one transaction and wakes their callers.
    private func commitPendingAudit() async {
        let batch = pendingAudit
        pendingAudit = []
        auditCommitScheduled = false
        do {
            try await write { (tx) throws(CatalogError) in try await tx.appendAudit(batch.map(\.draft)) }
            auditBatches += 1
            for entry in batch { entry.done.resume(returning: .success(())) }
        } catch {
            // One entry that cannot be written must not fail the others: write each alone.
            for entry in batch {
                do {
                    try await write { (tx) throws(CatalogError) in try await tx.appendAudit(entry.draft) }
                    auditBatches += 1
                    entry.done.resume(returning: .success(()))
                } catch {
                    entry.done.resume(returning: .failure(error))
                }
            }
        }
    }
}

func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(millis) / 1000) }
