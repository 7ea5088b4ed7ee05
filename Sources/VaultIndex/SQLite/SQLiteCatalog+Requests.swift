import Foundation

extension SQLiteCatalog {
    public func addRequest(_ request: RequestRecord, events: [RequestEvent], audit: AuditDraft) throws(CatalogError) -> Int64 {
        try db.transaction { () throws(CatalogError) -> Int64 in
            try db.run("""
                INSERT INTO requests (type, received_on, due_on, reference, recorded_at_ms, paused_on, pause_reason, extended_on, revision)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(request.kind.rawValue), .text(request.receivedOn), .text(request.dueOn), optional(request.reference),
                      .integer(millis(clock())), optional(request.pausedOn), optional(request.pauseReason), optional(request.extendedOn),
                      .integer(Int64(events.count))])
            let id = db.lastInsertRowID
            for var event in events {
                event.request = id
                try insertRequestEvent(event)
            }
            var entry = audit
            entry.target = "request:\(id)"
            try appendAuditInTransaction(entry)
            return id
        }
    }

    static let requestColumns = "id, type, received_on, due_on, reference, closed_on, paused_on, pause_reason, extended_on, revision"

    static func requestRow(_ row: SQLiteRow) -> RequestRecord {
        RequestRecord(id: row.int(0), kind: RequestRecord.Kind(rawValue: row.text(1)) ?? .sar, receivedOn: row.text(2), dueOn: row.text(3),
                      reference: row.optionalText(4), closedOn: row.optionalText(5), pausedOn: row.optionalText(6),
                      pauseReason: row.optionalText(7), extendedOn: row.optionalText(8), revision: row.int(9))
    }

    public func requests(openOnly: Bool) throws(CatalogError) -> [RequestRecord] {
        try db.query("SELECT \(Self.requestColumns) FROM requests \(openOnly ? "WHERE closed_on IS NULL" : "") ORDER BY due_on, id", [],
                     Self.requestRow)
    }

    public func request(_ id: Int64) throws(CatalogError) -> RequestRecord? {
        try db.queryOne("SELECT \(Self.requestColumns) FROM requests WHERE id = ?", [.integer(id)], Self.requestRow)
    }

    public func requestEvents(_ id: Int64) throws(CatalogError) -> [RequestEvent] {
        try db.query("""
            SELECT id, request_id, kind, on_day, reason, due_on, actor, recorded_at_ms FROM request_events WHERE request_id = ? ORDER BY id
            """, [.integer(id)]) { row throws(CatalogError) in
            guard let kind = RequestEvent.Kind(rawValue: row.text(2)) else {
                throw .corruptRow(table: "request_events", id: String(row.int(0)), reason: "unknown kind")
            }
            return RequestEvent(id: row.int(0), request: row.int(1), kind: kind, on: row.text(3), reason: row.optionalText(4), dueOn: row.text(5),
                                actor: row.text(6), recordedAt: date(row.int(7)))
        }
    }

    public func recordRequestEvent(_ event: RequestEvent, updating updated: RequestRecord, audit: AuditDraft) throws(CatalogError) {
        guard let id = updated.id, id == event.request else { throw .notFound(what: "open request", id: String(event.request)) }
        try db.transaction { () throws(CatalogError) in
            let changed = try db.run("""
                UPDATE requests SET due_on = ?, closed_on = ?, paused_on = ?, pause_reason = ?, extended_on = ?, revision = revision + 1
                WHERE id = ? AND closed_on IS NULL AND revision = ?
                """, [.text(updated.dueOn), optional(updated.closedOn), optional(updated.pausedOn), optional(updated.pauseReason),
                      optional(updated.extendedOn), .integer(id), .integer(updated.revision)])
            guard changed == 1 else {
                let open = try db.queryOne("SELECT 1 FROM requests WHERE id = ? AND closed_on IS NULL", [.integer(id)]) { $0.int(0) } != nil
                throw open ? .changedConcurrently(what: "request", id: String(id)) : .notFound(what: "open request", id: String(id))
            }
            try insertRequestEvent(event)
            try appendAuditInTransaction(audit)
        }
    }

    private func insertRequestEvent(_ event: RequestEvent) throws(CatalogError) {
        try db.run("""
            INSERT INTO request_events (request_id, kind, on_day, reason, due_on, actor, recorded_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.integer(event.request), .text(event.kind.rawValue), .text(event.on), optional(event.reason), .text(event.dueOn),
                  .text(event.actor), .integer(millis(event.recordedAt))])
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
        // Consents, withdrawals and requests count in the month they were recorded in the vault (the
        // clock's, which no one can set back), not the month they were given, withdrawn or received:
        // an entry recorded late then cannot change the figures of a period already published.
        case .consents:
            sql = "SELECT scope, \(month.replacingOccurrences(of: "%@", with: "recorded_at_ms")), count(*) FROM consents WHERE recorded_at_ms BETWEEN ? AND ? AND renews_id IS NULL GROUP BY 1, 2"
            values = [.integer(fromMs), .integer(toMs)]
        case .withdrawals:
            sql = "SELECT scope, \(month.replacingOccurrences(of: "%@", with: "withdrawal_recorded_at_ms")), count(*) FROM consents WHERE withdrawal_recorded_at_ms BETWEEN ? AND ? GROUP BY 1, 2"
            values = [.integer(fromMs), .integer(toMs)]
        case .destructions:
            sql = "SELECT class, \(month.replacingOccurrences(of: "%@", with: "destroyed_at_ms")), count(*) FROM destructions WHERE destroyed_at_ms BETWEEN ? AND ? GROUP BY 1, 2"
            values = [.integer(fromMs), .integer(toMs)]
        case .accesses, .refusals:
            sql = "SELECT coalesce(role, '-'), \(month.replacingOccurrences(of: "%@", with: "time_ms")), count(*) FROM audit WHERE action = 'get' AND outcome = ? AND time_ms BETWEEN ? AND ? GROUP BY 1, 2"
            values = [.text(measure == .accesses ? "ok" : "refused"), .integer(fromMs), .integer(toMs)]
        case .requests:
            sql = "SELECT type, \(month.replacingOccurrences(of: "%@", with: "recorded_at_ms")), count(*) FROM requests WHERE recorded_at_ms BETWEEN ? AND ? GROUP BY 1, 2"
            values = [.integer(fromMs), .integer(toMs)]
        }
        return try db.query(sql + " ORDER BY 2, 1", values) { row in MonthlyCount(category: row.text(0), month: row.text(1), count: Int(row.int(2))) }
    }

    static func civilMillis(_ day: String) -> Int64 {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: day).map(millis) ?? 0
    }
}
