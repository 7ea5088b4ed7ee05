import Foundation

// The request register, aggregate figures and subject-access reviews: the ``Catalog`` methods of the same names.
extension CatalogTransaction {
    nonisolated(nonsending) func addRequest(_ request: RequestRecord, events: [RequestEvent], audit: AuditDraft) async throws(CatalogError) -> Int64 {
        let id = try await queryOne("""
            INSERT INTO requests (type, received_on, due_on, reference, recorded_at_ms, paused_on, pause_reason, extended_on, revision)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """, [.text(request.kind.rawValue), .date(request.receivedOn), .date(request.dueOn), .optional(request.reference),
                  .millis(clock()), .optional(request.pausedOn), .optional(request.pauseReason), .optional(request.extendedOn),
                  .integer(Int64(events.count))]) { row throws(CatalogError) in try row.int(0) }
        guard let id else { throw .backend(message: "INSERT INTO requests returned no id") }
        for var event in events {
            event.request = id
            try await insertRequestEvent(event)
        }
        try await appendAudit(audit, target: "request:\(id)")
        return id
    }

    nonisolated(nonsending) func requests(openOnly: Bool) async throws(CatalogError) -> [RequestRecord] {
        try await query("SELECT \(CatalogRows.request) FROM requests \(openOnly ? "WHERE closed_on IS NULL" : "") ORDER BY due_on, id", [],
                        CatalogRows.request)
    }

    nonisolated(nonsending) func request(_ id: Int64) async throws(CatalogError) -> RequestRecord? {
        try await queryOne("SELECT \(CatalogRows.request) FROM requests WHERE id = ?", [.integer(id)], CatalogRows.request)
    }

    nonisolated(nonsending) func requestEvents(_ id: Int64) async throws(CatalogError) -> [RequestEvent] {
        try await query("""
            SELECT id, request_id, kind, on_day, reason, due_on, actor, recorded_at_ms FROM request_events WHERE request_id = ? ORDER BY id
            """, [.integer(id)]) { row throws(CatalogError) in
            guard let kind = RequestEvent.Kind(rawValue: try row.text(2)) else {
                throw .corruptRow(table: "request_events", id: String(try row.int(0)), reason: "unknown kind")
            }
            let column = ColumnReader(row: row, table: "request_events", id: String(try row.int(0)))
            return RequestEvent(id: try row.int(0), request: try row.int(1), kind: kind, on: try column.civilDate(3, "on_day"),
                                reason: try row.optionalText(4), dueOn: try column.civilDate(5, "due_on"), actor: try row.text(6), recordedAt: try row.date(7))
        }
    }

    nonisolated(nonsending) func recordRequestEvent(_ event: RequestEvent, updating updated: RequestRecord, audit: AuditDraft) async throws(CatalogError) {
        guard let id = updated.id, id == event.request else { throw .notFound(what: "open request", id: String(event.request)) }
        // On PostgreSQL (READ COMMITTED) a concurrent change waits for this one and then finds the revision moved on.
        let changed = try await changes("""
            UPDATE requests SET due_on = ?, closed_on = ?, paused_on = ?, pause_reason = ?, extended_on = ?, revision = revision + 1
            WHERE id = ? AND closed_on IS NULL AND revision = ? RETURNING 1
            """, [.date(updated.dueOn), .optional(updated.closedOn), .optional(updated.pausedOn), .optional(updated.pauseReason),
                  .optional(updated.extendedOn), .integer(id), .integer(updated.revision)])
        guard changed == 1 else {
            let open = try await queryOne("SELECT 1 FROM requests WHERE id = ? AND closed_on IS NULL", [.integer(id)]) { row throws(CatalogError) in
                try row.int(0)
            } != nil
            throw open ? .changedConcurrently(what: "request", id: String(id)) : .notFound(what: "open request", id: String(id))
        }
        try await insertRequestEvent(event)
        try await appendAudit(audit)
    }

    private nonisolated(nonsending) func insertRequestEvent(_ event: RequestEvent) async throws(CatalogError) {
        try await run("""
            INSERT INTO request_events (request_id, kind, on_day, reason, due_on, actor, recorded_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.integer(event.request), .text(event.kind.rawValue), .date(event.on), .optional(event.reason), .date(event.dueOn),
                  .text(event.actor), .millis(event.recordedAt)])
    }

    nonisolated(nonsending) func monthlyCounts(_ measure: AggregateMeasure, from: CivilDate, to: CivilDate) async throws(CatalogError) -> [MonthlyCount] {
        // Millisecond bounds for timestamp columns: from 00:00 on `from` to the end of `to` (UTC).
        let day: Int64 = 86_400_000
        let range: [SQLValue] = [.integer(Int64(from.daysSince1970) * day), .integer(Int64(to.daysSince1970 + 1) * day - 1)]
        // Each measure's category, table, time column and any further condition on it. Consents,
        // withdrawals and requests count in the month they were recorded in the vault (the clock's,
        // which no one can set back), not the month they were given, withdrawn or received: an entry
        // recorded late then cannot change the figures of a period already published.
        let (category, table, time, condition): (String, String, String, String) = switch measure {
        case .recordings: ("class", "recordings", "created_at_ms", "state <> 'staging' AND ")
        case .consents: ("scope", "consents", "recorded_at_ms", "renews_id IS NULL AND ")
        case .withdrawals: ("scope", "consents", "withdrawal_recorded_at_ms", "")
        case .destructions: ("class", "destructions", "destroyed_at_ms", "")
        case .accesses, .refusals: ("coalesce(role, '-')", "audit", "time_ms", "action = 'get' AND outcome = ? AND ")
        case .requests: ("type", "requests", "recorded_at_ms", "")
        }
        let outcome: [SQLValue] = measure == .accesses ? [.text("ok")] : measure == .refusals ? [.text("refused")] : []
        return try await query("""
            SELECT \(category), \(dialect.month(ofMillis: time)), count(*) FROM \(table)
            WHERE \(condition)\(time) BETWEEN ? AND ? GROUP BY 1, 2 ORDER BY 2, 1
            """, outcome + range) { row throws(CatalogError) in
            MonthlyCount(category: try row.text(0), month: try row.text(1), count: Int(try row.int(2)))
        }
    }

    // MARK: - Subject-access reviews

    nonisolated(nonsending) func addAccessReview(_ review: AccessReviewRecord, audit: AuditDraft) async throws(CatalogError) -> Int64 {
        let id = try await queryOne("""
            INSERT INTO sar_reviews (patient, review_copies, created_by, created_at_ms, revision) VALUES (?, ?, ?, ?, 0) RETURNING id
            """, [.text(review.patient), .integer(review.reviewCopies ? 1 : 0), .text(review.createdBy), .millis(review.createdAt)]) {
            row throws(CatalogError) in try row.int(0)
        }
        guard let id else { throw .backend(message: "INSERT INTO sar_reviews returned no id") }
        try await session.insert(
            into: "sar_review_items",
            columns: ["review_id", "position", "item_key", "kind", "recording_id", "session", "captured_on", "flag", "decision",
                      "category", "reason", "decided_by", "decided_at_ms"],
            rows: review.items.enumerated().map { position, item in
                [.integer(id), .integer(Int64(position)), .text(item.key), .text(item.kind.rawValue), .optional(item.recording?.bytes),
                 .optional(item.session), .optional(item.capturedOn), .optional(item.flag), .text(item.decision.rawValue),
                 .optional(item.category), .optional(item.reason), .optional(item.decidedBy), .optional(item.decidedAt)]
            })
        try await appendAudit(audit, target: "sar-review:\(id)")
        return id
    }

    nonisolated(nonsending) func accessReview(_ id: Int64) async throws(CatalogError) -> AccessReviewRecord? {
        guard var review = try await queryOne("SELECT \(CatalogRows.accessReview) FROM sar_reviews WHERE id = ?", [.integer(id)],
                                              CatalogRows.accessReview) else {
            return nil
        }
        review.items = try await query("""
            SELECT item_key, kind, recording_id, session, captured_on, flag, decision, category, reason, decided_by, decided_at_ms
            FROM sar_review_items WHERE review_id = ? ORDER BY position
            """, [.integer(id)]) { row throws(CatalogError) in
            guard let kind = AccessReviewItem.Kind(rawValue: try row.text(1)),
                  let decision = AccessReviewItem.Decision(rawValue: try row.text(6)) else {
                throw .corruptRow(table: "sar_review_items", id: "\(id)/\(try row.text(0))", reason: "unknown kind or decision")
            }
            let column = ColumnReader(row: row, table: "sar_review_items", id: "\(id)/\(try row.text(0))")
            return AccessReviewItem(key: try row.text(0), kind: kind, recording: try row.optionalRecordingID(2), session: try row.optionalText(3),
                                    capturedOn: try column.optionalCivilDate(4, "captured_on"), flag: try row.optionalText(5), decision: decision,
                                    category: try row.optionalText(7), reason: try row.optionalText(8), decidedBy: try row.optionalText(9),
                                    decidedAt: try row.optionalDate(10))
        }
        return review
    }

    nonisolated(nonsending) func accessReviews(patient: String?) async throws(CatalogError) -> [AccessReviewRecord] {
        try await query("SELECT \(CatalogRows.accessReview) FROM sar_reviews \(patient == nil ? "" : "WHERE patient = ?") ORDER BY id DESC",
                        patient.map { [.text($0)] } ?? [], CatalogRows.accessReview)
    }

    nonisolated(nonsending) func updateAccessReview(_ review: AccessReviewRecord, expectedRevision: Int64, audit: AuditDraft) async throws(CatalogError) {
        guard let id = review.id else { throw .notFound(what: "subject-access review", id: "(no id)") }
        let harm = review.harm
        let changed = try await changes("""
            UPDATE sar_reviews SET revision = revision + 1, harm_professional = ?, harm_professional_role = ?, harm_given_on = ?,
                harm_serious = ?, harm_reason = ?, harm_recorded_by = ?, harm_recorded_at_ms = ?, signed_by = ?, signed_at_ms = ?,
                signature = ?, released_by = ?, released_at_ms = ?
            WHERE id = ? AND revision = ? RETURNING 1
            """, [.optional(harm?.professional), .optional(harm?.professionalRole), .optional(harm?.givenOn),
                  .optional(harm.map { $0.seriousHarm ? Int64(1) : 0 }), .optional(harm?.reason), .optional(harm?.recordedBy),
                  .optional(harm?.recordedAt), .optional(review.signedBy), .optional(review.signedAt),
                  .optional(review.signature), .optional(review.releasedBy), .optional(review.releasedAt),
                  .integer(id), .integer(expectedRevision)])
        guard changed == 1 else {
            if try await queryOne("SELECT 1 FROM sar_reviews WHERE id = ?", [.integer(id)], { _ throws(CatalogError) in 1 }) == nil {
                throw .notFound(what: "subject-access review", id: String(id))
            }
            throw .changedConcurrently(what: "subject-access review", id: String(id))
        }
        for item in review.items {
            try await changeOne("""
                UPDATE sar_review_items SET decision = ?, category = ?, reason = ?, decided_by = ?, decided_at_ms = ?
                WHERE review_id = ? AND item_key = ? RETURNING 1
                """, [.text(item.decision.rawValue), .optional(item.category), .optional(item.reason), .optional(item.decidedBy),
                      .optional(item.decidedAt), .integer(id), .text(item.key)], or: .notFound(what: "item of subject-access review \(id)", id: item.key))
        }
        try await appendAudit(audit)
    }

    // MARK: - Users

    nonisolated(nonsending) func addUser(_ user: UserRecord, audit: AuditDraft) async throws(CatalogError) {
        try await changeOne("""
            INSERT INTO users (name, role, token_hash, created_at_ms, revoked_at_ms, signing_key, enrolment) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (name) DO NOTHING RETURNING 1
            """, [.text(user.name), .text(user.role), .blob(user.tokenHash), .millis(user.createdAt), .optional(user.revokedAt),
                  .optional(user.signingKey), .optional(user.enrolment)], or: .alreadyExists(what: "user", id: user.name))
        try await session.insert(into: "user_patients", columns: ["user_name", "patient"],
                                 rows: Set(user.patients).sorted().map { [.text(user.name), .text($0)] })
        try await appendAudit(audit)
    }

    nonisolated(nonsending) func user(named name: String) async throws(CatalogError) -> UserRecord? {
        CatalogRows.users(try await query("\(CatalogRows.userWithPatients) WHERE u.name = ? ORDER BY p.patient", [.text(name)],
                                          CatalogRows.userWithPatient)).first
    }

    nonisolated(nonsending) func user(tokenHash: [UInt8]) async throws(CatalogError) -> UserRecord? {
        CatalogRows.users(try await query("\(CatalogRows.userWithPatients) WHERE u.token_hash = ? ORDER BY p.patient", [.blob(tokenHash)],
                                          CatalogRows.userWithPatient)).first
    }

    nonisolated(nonsending) func users() async throws(CatalogError) -> [UserRecord] {
        CatalogRows.users(try await query("\(CatalogRows.userWithPatients) ORDER BY u.name, p.patient", [], CatalogRows.userWithPatient))
    }

    nonisolated(nonsending) func revokeUser(_ name: String, at: Date, audit: AuditDraft) async throws(CatalogError) {
        try await changeOne("UPDATE users SET revoked_at_ms = ? WHERE name = ? AND revoked_at_ms IS NULL RETURNING 1",
                            [.millis(at), .text(name)], or: .notFound(what: "active user", id: name))
        try await appendAudit(audit)
    }

    nonisolated(nonsending) func setUserEnrolment(_ name: String, enrolment: [UInt8], audit: AuditDraft) async throws(CatalogError) {
        try await changeOne("UPDATE users SET enrolment = ? WHERE name = ? AND revoked_at_ms IS NULL AND signing_key IS NOT NULL RETURNING 1",
                            [.blob(enrolment), .text(name)], or: .notFound(what: "active officer", id: name))
        try await appendAudit(audit)
    }
}
