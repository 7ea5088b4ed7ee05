import Foundation

extension SQLiteCatalog {
    public func auditEntries(matching filter: AuditFilter) throws(CatalogError) -> [AuditEntry] {
        var clauses: [String] = []
        var values: [SQLValue] = []
        if let targets = filter.targets {
            if targets.isEmpty { return [] }
            clauses.append("target IN (\(targets.map { _ in "?" }.joined(separator: ", ")))")
            values += targets.map { .text($0) }
        }
        if let actor = filter.actor { clauses.append("actor = ?"); values.append(.text(actor)) }
        if let since = filter.since { clauses.append("time_ms >= ?"); values.append(.integer(millis(since))) }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        values.append(.integer(Int64(filter.limit)))
        return try db.query("""
            SELECT seq, time_ms, actor, role, action, target, purpose, outcome, detail, prev_hash, hash
            FROM audit \(whereClause) ORDER BY seq LIMIT ?
            """, values, Self.auditRow)
    }

    public func auditHead() throws(CatalogError) -> AuditEntry? {
        try db.queryOne("""
            SELECT seq, time_ms, actor, role, action, target, purpose, outcome, detail, prev_hash, hash FROM audit ORDER BY seq DESC LIMIT 1
            """, [], Self.auditRow)
    }

    static func auditRow(_ row: SQLiteRow) -> AuditEntry {
        AuditEntry(sequence: row.int(0), timeMillis: row.int(1),
                   draft: AuditDraft(actor: row.text(2), role: row.optionalText(3), recordedAction: row.text(4), target: row.optionalText(5),
                                     purpose: row.optionalText(6), outcome: row.text(7), detail: row.optionalText(8)),
                   previousHash: row.blob(9), hash: row.blob(10))
    }

    public func addCheckpoint(_ checkpoint: AuditCheckpoint) throws(CatalogError) {
        try db.run("""
            INSERT OR REPLACE INTO audit_checkpoints (seq, head_hash, time_ms, public_key, signature, reason) VALUES (?, ?, ?, ?, ?, ?)
            """, [.integer(checkpoint.sequence), .blob(checkpoint.headHash), .integer(checkpoint.timeMillis), .blob(checkpoint.publicKey),
                  .blob(checkpoint.signature), .text(checkpoint.reason)])
    }

    public func checkpoints() throws(CatalogError) -> [AuditCheckpoint] {
        try db.query("SELECT seq, head_hash, time_ms, public_key, signature, reason FROM audit_checkpoints ORDER BY seq") { row in
            AuditCheckpoint(sequence: row.int(0), headHash: row.blob(1), timeMillis: row.int(2), publicKey: row.blob(3), signature: row.blob(4),
                            reason: row.text(5))
        }
    }
}
