import Foundation

extension SQLiteCatalog {
    static let accessReviewColumns = """
        id, patient, review_copies, created_by, created_at_ms, revision, harm_professional, harm_professional_role, harm_given_on,
        harm_serious, harm_reason, harm_recorded_by, harm_recorded_at_ms, signed_by, signed_at_ms, signature, released_by, released_at_ms
        """

    public func addAccessReview(_ review: AccessReviewRecord, audit: AuditDraft) throws(CatalogError) -> Int64 {
        try db.transaction { () throws(CatalogError) -> Int64 in
            try db.run("""
                INSERT INTO sar_reviews (patient, review_copies, created_by, created_at_ms, revision) VALUES (?, ?, ?, ?, 0)
                """, [.text(review.patient), .integer(review.reviewCopies ? 1 : 0), .text(review.createdBy), .integer(millis(review.createdAt))])
            let id = db.lastInsertRowID
            for (position, item) in review.items.enumerated() {
                try db.run("""
                    INSERT INTO sar_review_items (review_id, position, item_key, kind, recording_id, session, captured_on, flag, decision,
                        category, reason, decided_by, decided_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.integer(id), .integer(Int64(position)), .text(item.key), .text(item.kind.rawValue), item.recording.map { .blob($0.bytes) } ?? .null,
                          optional(item.session), optional(item.capturedOn), optional(item.flag), .text(item.decision.rawValue),
                          optional(item.category), optional(item.reason), optional(item.decidedBy), item.decidedAt.map { .integer(millis($0)) } ?? .null])
            }
            var entry = audit
            entry.target = "sar-review:\(id)"
            try appendAuditInTransaction(entry)
            return id
        }
    }

    public func accessReview(_ id: Int64) throws(CatalogError) -> AccessReviewRecord? {
        guard var review = try db.queryOne("SELECT \(Self.accessReviewColumns) FROM sar_reviews WHERE id = ?", [.integer(id)], Self.accessReviewRow) else {
            return nil
        }
        review.items = try db.query("""
            SELECT item_key, kind, recording_id, session, captured_on, flag, decision, category, reason, decided_by, decided_at_ms
            FROM sar_review_items WHERE review_id = ? ORDER BY position
            """, [.integer(id)]) { row throws(CatalogError) in
            guard let kind = AccessReviewItem.Kind(rawValue: row.text(1)), let decision = AccessReviewItem.Decision(rawValue: row.text(6)) else {
                throw .corruptRow(table: "sar_review_items", id: "\(id)/\(row.text(0))", reason: "unknown kind or decision")
            }
            return AccessReviewItem(key: row.text(0), kind: kind, recording: try row.optionalBlob(2).map { (b) throws(CatalogError) -> RecordingID in try RecordingID(bytes: b) },
                                    session: row.optionalText(3), capturedOn: row.optionalText(4), flag: row.optionalText(5), decision: decision,
                                    category: row.optionalText(7), reason: row.optionalText(8), decidedBy: row.optionalText(9),
                                    decidedAt: row.optionalInt(10).map(date))
        }
        return review
    }

    public func accessReviews(patient: String?) throws(CatalogError) -> [AccessReviewRecord] {
        if let patient {
            return try db.query("SELECT \(Self.accessReviewColumns) FROM sar_reviews WHERE patient = ? ORDER BY id DESC", [.text(patient)], Self.accessReviewRow)
        }
        return try db.query("SELECT \(Self.accessReviewColumns) FROM sar_reviews ORDER BY id DESC", [], Self.accessReviewRow)
    }

    public func updateAccessReview(_ review: AccessReviewRecord, expectedRevision: Int64, audit: AuditDraft) throws(CatalogError) {
        guard let id = review.id else { throw .notFound(what: "subject-access review", id: "(no id)") }
        try db.transaction { () throws(CatalogError) in
            let harm = review.harm
            let changed = try db.run("""
                UPDATE sar_reviews SET revision = revision + 1, harm_professional = ?, harm_professional_role = ?, harm_given_on = ?, harm_serious = ?,
                    harm_reason = ?, harm_recorded_by = ?, harm_recorded_at_ms = ?, signed_by = ?, signed_at_ms = ?, signature = ?,
                    released_by = ?, released_at_ms = ?
                WHERE id = ? AND revision = ?
                """, [optional(harm?.professional), optional(harm?.professionalRole), optional(harm?.givenOn),
                      harm.map { .integer($0.seriousHarm ? 1 : 0) } ?? .null, optional(harm?.reason), optional(harm?.recordedBy),
                      harm.map { .integer(millis($0.recordedAt)) } ?? .null, optional(review.signedBy), review.signedAt.map { .integer(millis($0)) } ?? .null,
                      review.signature.map { .blob($0) } ?? .null, optional(review.releasedBy), review.releasedAt.map { .integer(millis($0)) } ?? .null,
                      .integer(id), .integer(expectedRevision)])
            guard changed == 1 else {
                if try db.queryOne("SELECT 1 FROM sar_reviews WHERE id = ?", [.integer(id)], { _ in 1 }) == nil {
                    throw .notFound(what: "subject-access review", id: String(id))
                }
                throw .changedConcurrently(what: "subject-access review", id: String(id))
            }
            for item in review.items {
                let updated = try db.run("""
                    UPDATE sar_review_items SET decision = ?, category = ?, reason = ?, decided_by = ?, decided_at_ms = ?
                    WHERE review_id = ? AND item_key = ?
                    """, [.text(item.decision.rawValue), optional(item.category), optional(item.reason), optional(item.decidedBy),
                          item.decidedAt.map { .integer(millis($0)) } ?? .null, .integer(id), .text(item.key)])
                guard updated == 1 else { throw .notFound(what: "item of subject-access review \(id)", id: item.key) }
            }
            try appendAuditInTransaction(audit)
        }
    }

    static func accessReviewRow(_ row: SQLiteRow) throws(CatalogError) -> AccessReviewRecord {
        var harm: HarmOpinion?
        if let professional = row.optionalText(6) {
            harm = HarmOpinion(professional: professional, professionalRole: row.optionalText(7) ?? "", givenOn: row.optionalText(8) ?? "",
                               seriousHarm: row.optionalInt(9) == 1, reason: row.optionalText(10), recordedBy: row.optionalText(11) ?? "",
                               recordedAt: date(row.optionalInt(12) ?? 0))
        }
        return AccessReviewRecord(id: row.int(0), patient: row.text(1), reviewCopies: row.int(2) != 0, createdBy: row.text(3),
                                  createdAt: date(row.int(4)), revision: row.int(5), harm: harm, signedBy: row.optionalText(13),
                                  signedAt: row.optionalInt(14).map(date), signature: row.optionalBlob(15), releasedBy: row.optionalText(16),
                                  releasedAt: row.optionalInt(17).map(date), items: [])
    }
}
