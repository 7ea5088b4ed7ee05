import Foundation

/// A unit of catalog work on one ``SQLSession``: a transaction for writes, or a plain connection for
/// reads. The catalog's rules are written once, as methods of this class (`CatalogTransaction+*.swift`),
/// and both ``SQLiteCatalog`` and ``PostgresCatalog`` run them.
package final class CatalogTransaction {
    let session: any SQLSession
    let clock: @Sendable () -> Date
    /// The chain head once this transaction holds the audit lock (it then appends without asking again).
    private var auditHead: (sequence: Int64, hash: [UInt8])?

    init(session: any SQLSession, clock: @escaping @Sendable () -> Date) {
        self.session = session
        self.clock = clock
    }

    var dialect: SQLDialect { session.dialect }

    nonisolated(nonsending) func query<T>(_ sql: String, _ values: [SQLValue] = [],
                                          _ map: (any SQLRowReading) throws(CatalogError) -> T) async throws(CatalogError) -> [T] {
        try await session.query(sql, values, map)
    }

    nonisolated(nonsending) func queryOne<T>(_ sql: String, _ values: [SQLValue] = [],
                                             _ map: (any SQLRowReading) throws(CatalogError) -> T) async throws(CatalogError) -> T? {
        try await session.query(sql, values, map).first
    }

    /// Runs a statement and discards any rows.
    nonisolated(nonsending) func run(_ sql: String, _ values: [SQLValue] = []) async throws(CatalogError) {
        _ = try await session.query(sql, values) { _ throws(CatalogError) in () }
    }

    /// Runs a statement that ends in `RETURNING ...`; returns how many rows it returned (= changed).
    nonisolated(nonsending) func changes(_ sql: String, _ values: [SQLValue] = []) async throws(CatalogError) -> Int {
        try await session.query(sql, values) { _ throws(CatalogError) in () }.count
    }

    /// Runs a statement that ends in `RETURNING ...` and must change one row; throws `missing` if it changes none.
    nonisolated(nonsending) func changeOne(_ sql: String, _ values: [SQLValue], or missing: CatalogError) async throws(CatalogError) {
        guard try await changes(sql, values) == 1 else { throw missing }
    }

    /// Runs `sql`, which holds `IN \(list)`, once per batch of `values` (a statement has at most
    /// 32,766 parameters on SQLite, 65,535 on PostgreSQL), and returns every batch's rows.
    nonisolated(nonsending) func query<T>(in values: [SQLValue], _ sql: (String) -> String, _ before: [SQLValue] = [],
                                          _ map: (any SQLRowReading) throws(CatalogError) -> T) async throws(CatalogError) -> [T] {
        var rows: [T] = []
        for start in stride(from: 0, to: values.count, by: 1000) {
            let batch = Array(values[start..<min(values.count, start + 1000)])
            rows += try await session.query(sql(SQLDialect.placeholders(batch.count)), before + batch, map)
        }
        return rows
    }

    /// Locks the rows of these recordings (those that exist) in id order, so that two transactions
    /// locking overlapping sets cannot deadlock; returns each recording's state. On SQLite, which
    /// locks no rows, only reads the states.
    @discardableResult
    nonisolated(nonsending) func lockRecordings(_ ids: [RecordingID], _ lock: SQLDialect.RowLock) async throws(CatalogError) -> [RecordingID: String] {
        let sorted = Array(Set(ids)).sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        let rows = try await query(in: sorted.map { .blob($0.bytes) }, { "SELECT id, state FROM recordings WHERE id IN \($0) ORDER BY id\(dialect.rowLock(lock))" }) {
            row throws(CatalogError) in (try row.recordingID(0), try row.text(1))
        }
        return Dictionary(rows, uniquingKeysWith: { a, _ in a })
    }

    /// Appends `draft`, with `note` added to its detail and `target` in place of its own where given.
    nonisolated(nonsending) func appendAudit(_ draft: AuditDraft, note: String? = nil, target: String? = nil) async throws(CatalogError) {
        var entry = draft
        if let note { entry.detail = [draft.detail, note].compactMap { $0 }.joined(separator: "; ") }
        entry.target = target ?? draft.target
        try await appendAudit([entry])
    }

    /// Appends entries to the chain, in order. The first append of a transaction takes the audit
    /// lock (held to commit) and then reads the head: a new statement, so on PostgreSQL at READ
    /// COMMITTED it sees every append committed before the lock was granted. It is taken as the
    /// transaction's last lock, after any row locks, so it is held for as short a time as possible.
    nonisolated(nonsending) func appendAudit(_ drafts: [AuditDraft]) async throws(CatalogError) {
        guard !drafts.isEmpty else { return }
        if auditHead == nil {
            try await session.take(.auditChain)
            auditHead = try await queryOne("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1") { row throws(CatalogError) in
                (try row.int(0), try row.blob(1))
            } ?? (0, AuditEntry.genesisHash)
        }
        guard let head = auditHead else { return }
        var sequence = head.sequence
        var previous = head.hash
        var rows: [[SQLValue]] = []
        rows.reserveCapacity(drafts.count)
        for draft in drafts {
            sequence += 1
            let time = millis(clock())
            let hash = AuditEntry.computeHash(sequence: sequence, timeMillis: time, draft: draft, previousHash: previous)
            rows.append([.integer(sequence), .integer(time), .text(draft.actor), .optional(draft.role), .text(draft.action),
                         .optional(draft.target), .optional(draft.purpose), .text(draft.outcome), .optional(draft.detail),
                         .blob(previous), .blob(hash)])
            previous = hash
        }
        try await session.insert(into: "audit", columns: ["seq", "time_ms", "actor", "role", "action", "target", "purpose", "outcome",
                                                          "detail", "prev_hash", "hash"], rows: rows)
        auditHead = (sequence, previous)
    }
}
