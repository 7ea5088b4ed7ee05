import Foundation

extension PostgresCatalog {
    // MARK: - The request register

    public func addRequest(_ request: RequestRecord, events: [RequestEvent], audit: AuditDraft) async throws(CatalogError) -> Int64 {
        try await transaction { (tx) throws(CatalogError) -> Int64 in
            let id = try await tx.queryOne("""
                INSERT INTO requests (type, received_on, due_on, reference, recorded_at_ms, paused_on, pause_reason, extended_on, revision)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id
                """, [.text(request.kind.rawValue), .text(request.receivedOn), .text(request.dueOn), .optional(request.reference),
                      .int(millis(clock())), .optional(request.pausedOn), .optional(request.pauseReason), .optional(request.extendedOn),
                      .int(Int64(events.count))]) { row throws(CatalogError) in try row.int(0) }
            guard let id else { throw .backend(message: "INSERT INTO requests returned no id") }
            for var event in events {
                event.request = id
                try await tx.insertRequestEvent(event)
            }
            var entry = audit
            entry.target = "request:\(id)"
            try await tx.appendAudit(entry)
            return id
        }
    }

    static let requestColumns = "id, type, received_on, due_on, reference, closed_on, paused_on, pause_reason, extended_on, revision"

    static func requestRow(_ row: PGRow) throws(CatalogError) -> RequestRecord {
        RequestRecord(id: try row.int(0), kind: RequestRecord.Kind(rawValue: try row.text(1)) ?? .sar, receivedOn: try row.text(2),
                      dueOn: try row.text(3), reference: try row.optionalText(4), closedOn: try row.optionalText(5),
                      pausedOn: try row.optionalText(6), pauseReason: try row.optionalText(7), extendedOn: try row.optionalText(8),
                      revision: try row.int(9))
    }

    public func requests(openOnly: Bool) async throws(CatalogError) -> [RequestRecord] {
        try await query("SELECT \(Self.requestColumns) FROM requests \(openOnly ? "WHERE closed_on IS NULL" : "") ORDER BY due_on, id", [],
                        Self.requestRow)
    }

    public func request(_ id: Int64) async throws(CatalogError) -> RequestRecord? {
        try await queryOne("SELECT \(Self.requestColumns) FROM requests WHERE id = $1", [.int(id)], Self.requestRow)
    }

    public func requestEvents(_ id: Int64) async throws(CatalogError) -> [RequestEvent] {
        try await query("""
            SELECT id, request_id, kind, on_day, reason, due_on, actor, recorded_at_ms FROM request_events WHERE request_id = $1 ORDER BY id
            """, [.int(id)]) { row throws(CatalogError) in
            guard let kind = RequestEvent.Kind(rawValue: try row.text(2)) else {
                throw .corruptRow(table: "request_events", id: String(try row.int(0)), reason: "unknown kind")
            }
            return RequestEvent(id: try row.int(0), request: try row.int(1), kind: kind, on: try row.text(3), reason: try row.optionalText(4),
                                dueOn: try row.text(5), actor: try row.text(6), recordedAt: date(try row.int(7)))
        }
    }

    public func recordRequestEvent(_ event: RequestEvent, updating updated: RequestRecord, audit: AuditDraft) async throws(CatalogError) {
        guard let id = updated.id, id == event.request else { throw .notFound(what: "open request", id: String(event.request)) }
        try await transaction { (tx) throws(CatalogError) in
            // READ COMMITTED: a concurrent change waits for this one and then finds the revision moved on.
            let changed = try await tx.changes("""
                UPDATE requests SET due_on = $1, closed_on = $2, paused_on = $3, pause_reason = $4, extended_on = $5, revision = revision + 1
                WHERE id = $6 AND closed_on IS NULL AND revision = $7 RETURNING 1
                """, [.text(updated.dueOn), .optional(updated.closedOn), .optional(updated.pausedOn), .optional(updated.pauseReason),
                      .optional(updated.extendedOn), .int(id), .int(updated.revision)])
            guard changed == 1 else {
                let open = try await tx.queryOne("SELECT 1 FROM requests WHERE id = $1 AND closed_on IS NULL", [.int(id)]) { row throws(CatalogError) in
                    try row.int(0)
                } != nil
                throw open ? .changedConcurrently(what: "request", id: String(id)) : .notFound(what: "open request", id: String(id))
            }
            try await tx.insertRequestEvent(event)
            try await tx.appendAudit(audit)
        }
    }
}

extension PGTransaction {
    func insertRequestEvent(_ event: RequestEvent) async throws(CatalogError) {
        try await run("""
            INSERT INTO request_events (request_id, kind, on_day, reason, due_on, actor, recorded_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, [.int(event.request), .text(event.kind.rawValue), .text(event.on), .optional(event.reason), .text(event.dueOn),
                  .text(event.actor), .int(millis(event.recordedAt))])
    }
}
