import Foundation

extension SQLiteCatalog {
    public func addRequest(_ request: RequestRecord, audit: AuditDraft) throws(CatalogError) -> Int64 {
        try db.transaction { () throws(CatalogError) -> Int64 in
            try db.run("INSERT INTO requests (type, received_on, due_on, reference, recorded_at_ms) VALUES (?, ?, ?, ?, ?)",
                       [.text(request.kind.rawValue), .text(request.receivedOn), .text(request.dueOn), optional(request.reference), .integer(millis(clock()))])
            let id = db.lastInsertRowID
            var entry = audit
            entry.target = "request:\(id)"
            try appendAuditInTransaction(entry)
            return id
        }
    }

    public func requests(openOnly: Bool) throws(CatalogError) -> [RequestRecord] {
        try db.query("""
            SELECT id, type, received_on, due_on, reference, closed_on FROM requests \(openOnly ? "WHERE closed_on IS NULL" : "") ORDER BY due_on, id
            """) { row in
            RequestRecord(id: row.int(0), kind: RequestRecord.Kind(rawValue: row.text(1)) ?? .sar, receivedOn: row.text(2), dueOn: row.text(3),
                          reference: row.optionalText(4), closedOn: row.optionalText(5))
        }
    }

    public func closeRequest(_ id: Int64, on: String, audit: AuditDraft) throws(CatalogError) {
        try db.transaction { () throws(CatalogError) in
            guard try db.run("UPDATE requests SET closed_on = ? WHERE id = ? AND closed_on IS NULL", [.text(on), .integer(id)]) == 1 else {
                throw .notFound(what: "open request", id: String(id))
            }
            try appendAuditInTransaction(audit)
        }
    }

    public func monthlyCounts(_ measure: AggregateMeasure, from: String, to: String) throws(CatalogError) -> [MonthlyCount] {
        // Millisecond bounds for timestamp columns: from 00:00 on `from` to the end of `to` (UTC).
        let fromMs = Self.civilMillis(from)
        let toMs = Self.civilMillis(to) + 86_400_000 - 1
        let month = "strftime('%Y-%m', %@ / 1000, 'unixepoch')"
        let sql: String
        let values: [SQLValue]
        switch measure {
        case .recordings:
            sql = "SELECT class, \(month.replacingOccurrences(of: "%@", with: "created_at_ms")) AS m, count(*) FROM recordings WHERE state <> 'staging' AND created_at_ms BETWEEN ? AND ? GROUP BY 1, 2"
            values = [.integer(fromMs), .integer(toMs)]
        case .consents:
            sql = "SELECT scope, substr(given_on, 1, 7), count(*) FROM consents WHERE given_on BETWEEN ? AND ? GROUP BY 1, 2"
            values = [.text(from), .text(to)]
        case .withdrawals:
            sql = "SELECT scope, substr(withdrawn_on, 1, 7), count(*) FROM consents WHERE withdrawn_on BETWEEN ? AND ? GROUP BY 1, 2"
            values = [.text(from), .text(to)]
        case .destructions:
            sql = "SELECT class, \(month.replacingOccurrences(of: "%@", with: "destroyed_at_ms")), count(*) FROM destructions WHERE destroyed_at_ms BETWEEN ? AND ? GROUP BY 1, 2"
            values = [.integer(fromMs), .integer(toMs)]
        case .accesses, .refusals:
            sql = "SELECT coalesce(role, '-'), \(month.replacingOccurrences(of: "%@", with: "time_ms")), count(*) FROM audit WHERE action = 'get' AND outcome = ? AND time_ms BETWEEN ? AND ? GROUP BY 1, 2"
            values = [.text(measure == .accesses ? "ok" : "refused"), .integer(fromMs), .integer(toMs)]
        case .requests:
            sql = "SELECT type, substr(received_on, 1, 7), count(*) FROM requests WHERE received_on BETWEEN ? AND ? GROUP BY 1, 2"
            values = [.text(from), .text(to)]
        }
        return try db.query(sql + " ORDER BY 2, 1", values) { row in MonthlyCount(category: row.text(0), month: row.text(1), count: Int(row.int(2))) }
    }

    static func civilMillis(_ day: String) -> Int64 {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: day).map(millis) ?? 0
    }
}
