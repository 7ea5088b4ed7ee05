public import Foundation

extension PostgresCatalog {
    // MARK: - Audit queries and checkpoints

    public func auditEntries(matching filter: AuditFilter) async throws(CatalogError) -> [AuditEntry] {
        var b = PGStatementBuilder()
        var clauses: [String] = []
        if let targets = filter.targets {
            if targets.isEmpty { return [] }
            clauses.append("target = ANY(\(b.bind(.texts(targets)))::text[])")
        }
        if let actor = filter.actor { clauses.append("actor = \(b.bind(.text(actor)))") }
        if let since = filter.since { clauses.append("time_ms >= \(b.bind(.int(millis(since))))") }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let limit = b.bind(.int(Int64(max(0, filter.limit))))
        return try await query("SELECT \(Self.auditColumns) FROM audit \(whereClause) ORDER BY seq LIMIT \(limit)", b.values, Self.auditRow)
    }

    public func auditHead() async throws(CatalogError) -> AuditEntry? {
        try await queryOne("SELECT \(Self.auditColumns) FROM audit ORDER BY seq DESC LIMIT 1", [], Self.auditRow)
    }

    public func addCheckpoint(_ checkpoint: AuditCheckpoint) async throws(CatalogError) {
        _ = try await query("""
            INSERT INTO audit_checkpoints (seq, head_hash, time_ms, public_key, signature, reason) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (seq) DO UPDATE SET head_hash = excluded.head_hash, time_ms = excluded.time_ms, public_key = excluded.public_key,
                signature = excluded.signature, reason = excluded.reason
            """, [.int(checkpoint.sequence), .bytes(checkpoint.headHash), .int(checkpoint.timeMillis), .bytes(checkpoint.publicKey),
                  .bytes(checkpoint.signature), .text(checkpoint.reason)]) { _ in () }
    }

    public func checkpoints() async throws(CatalogError) -> [AuditCheckpoint] {
        try await query("SELECT seq, head_hash, time_ms, public_key, signature, reason FROM audit_checkpoints ORDER BY seq") { row throws(CatalogError) in
            AuditCheckpoint(sequence: try row.int(0), headHash: try row.blob(1), timeMillis: try row.int(2), publicKey: try row.blob(3),
                            signature: try row.blob(4), reason: try row.text(5))
        }
    }

    // MARK: - Requests and aggregate figures

    public func monthlyCounts(_ measure: AggregateMeasure, from: String, to: String) async throws(CatalogError) -> [MonthlyCount] {
        // Millisecond bounds for timestamp columns: from 00:00 on `from` to the end of `to` (UTC), as SQLite's.
        let fromMs = civilDayMillis(from)
        let toMs = civilDayMillis(to) + 86_400_000 - 1
        func month(_ column: String) -> String { "to_char(to_timestamp(\(column) / 1000) AT TIME ZONE 'UTC', 'YYYY-MM')" }
        let sql: String
        let values: [PGValue]
        switch measure {
        case .recordings:
            sql = "SELECT class, \(month("created_at_ms")), count(*) FROM recordings WHERE state <> 'staging' AND created_at_ms BETWEEN $1 AND $2 GROUP BY 1, 2"
            values = [.int(fromMs), .int(toMs)]
        // Counted in the month they were recorded, as SQLite's (see there).
        case .consents:
            sql = "SELECT scope, \(month("recorded_at_ms")), count(*) FROM consents WHERE recorded_at_ms BETWEEN $1 AND $2 AND renews_id IS NULL GROUP BY 1, 2"
            values = [.int(fromMs), .int(toMs)]
        case .withdrawals:
            sql = "SELECT scope, \(month("withdrawal_recorded_at_ms")), count(*) FROM consents WHERE withdrawal_recorded_at_ms BETWEEN $1 AND $2 GROUP BY 1, 2"
            values = [.int(fromMs), .int(toMs)]
        case .destructions:
            sql = "SELECT class, \(month("destroyed_at_ms")), count(*) FROM destructions WHERE destroyed_at_ms BETWEEN $1 AND $2 GROUP BY 1, 2"
            values = [.int(fromMs), .int(toMs)]
        case .accesses, .refusals:
            sql = """
                SELECT coalesce(role, '-'), \(month("time_ms")), count(*) FROM audit
                WHERE action = 'get' AND outcome = $1 AND time_ms BETWEEN $2 AND $3 GROUP BY 1, 2
                """
            values = [.text(measure == .accesses ? "ok" : "refused"), .int(fromMs), .int(toMs)]
        case .requests:
            sql = "SELECT type, \(month("recorded_at_ms")), count(*) FROM requests WHERE recorded_at_ms BETWEEN $1 AND $2 GROUP BY 1, 2"
            values = [.int(fromMs), .int(toMs)]
        }
        return try await query(sql + " ORDER BY 2, 1", values) { row throws(CatalogError) in
            MonthlyCount(category: try row.text(0), month: try row.text(1), count: Int(try row.int(2)))
        }
    }

    // MARK: - Users

    static let userColumns = """
        u.name, u.role, u.token_hash, u.created_at_ms, u.revoked_at_ms,
        coalesce((SELECT array_agg(p.patient ORDER BY p.patient) FROM user_patients p WHERE p.user_name = u.name), '{}'::text[]),
        u.signing_key
        """

    static func userRow(_ row: PGRow) throws(CatalogError) -> UserRecord {
        UserRecord(name: try row.text(0), role: try row.text(1), tokenHash: try row.blob(2), patients: try row.texts(5),
                   createdAt: date(try row.int(3)), revokedAt: try row.optionalInt(4).map(date), signingKey: try row.optionalBlob(6))
    }

    public func addUser(_ user: UserRecord, audit: AuditDraft) async throws(CatalogError) {
        try await transaction { (tx) throws(CatalogError) in
            let added = try await tx.changes("""
                INSERT INTO users (name, role, token_hash, created_at_ms, revoked_at_ms, signing_key) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """, [.text(user.name), .text(user.role), .bytes(user.tokenHash), .int(millis(user.createdAt)),
                      .optional(user.revokedAt.map(millis)), user.signingKey.map { .bytes($0) } ?? .null])
            guard added == 1 else { throw .alreadyExists(what: "user", id: user.name) }
            let patients = Set(user.patients).sorted()
            if !patients.isEmpty {
                try await tx.run("INSERT INTO user_patients (user_name, patient) SELECT $1, p FROM unnest($2::text[]) AS p",
                                 [.text(user.name), .texts(patients)])
            }
            try await tx.appendAudit(audit)
        }
    }

    public func user(named name: String) async throws(CatalogError) -> UserRecord? {
        try await queryOne("SELECT \(Self.userColumns) FROM users u WHERE u.name = $1", [.text(name)], Self.userRow)
    }

    public func user(tokenHash: [UInt8]) async throws(CatalogError) -> UserRecord? {
        try await queryOne("SELECT \(Self.userColumns) FROM users u WHERE u.token_hash = $1", [.bytes(tokenHash)], Self.userRow)
    }

    public func users() async throws(CatalogError) -> [UserRecord] {
        try await query("SELECT \(Self.userColumns) FROM users u ORDER BY u.name", [], Self.userRow)
    }

    public func revokeUser(_ name: String, at: Date, audit: AuditDraft) async throws(CatalogError) {
        try await transaction { (tx) throws(CatalogError) in
            guard try await tx.changes("UPDATE users SET revoked_at_ms = $1 WHERE name = $2 AND revoked_at_ms IS NULL RETURNING 1",
                                       [.int(millis(at)), .text(name)]) == 1 else {
                throw .notFound(what: "active user", id: name)
            }
            try await tx.appendAudit(audit)
        }
    }
}

/// Milliseconds at 00:00 UTC of a civil date `YYYY-MM-DD` (0 if it is not one), as SQLite's `civilMillis`.
func civilDayMillis(_ day: String) -> Int64 {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withFullDate]
    return formatter.date(from: day).map(millis) ?? 0
}
