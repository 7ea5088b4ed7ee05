public import Foundation

extension PostgresCatalog {
    static let accessReviewColumns = """
        id, patient, review_copies, created_by, created_at_ms, revision, harm_professional, harm_professional_role, harm_given_on,
        harm_serious, harm_reason, harm_recorded_by, harm_recorded_at_ms, signed_by, signed_at_ms, signature, released_by, released_at_ms
        """

    public func addAccessReview(_ review: AccessReviewRecord, audit: AuditDraft) async throws(CatalogError) -> Int64 {
        try await transaction { (tx) throws(CatalogError) -> Int64 in
            let id = try await tx.queryOne("""
                INSERT INTO sar_reviews (patient, review_copies, created_by, created_at_ms, revision) VALUES ($1, $2, $3, $4, 0) RETURNING id
                """, [.text(review.patient), .int(review.reviewCopies ? 1 : 0), .text(review.createdBy), .int(millis(review.createdAt))]) { row throws(CatalogError) in
                try row.int(0)
            }
            guard let id else { throw .backend(message: "INSERT INTO sar_reviews returned no id") }
            for (position, item) in review.items.enumerated() {
                try await tx.run("""
                    INSERT INTO sar_review_items (review_id, position, item_key, kind, recording_id, session, captured_on, flag, decision,
                        category, reason, decided_by, decided_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                    """, [.int(id), .int(Int64(position)), .text(item.key), .text(item.kind.rawValue), .optional(item.recording?.bytes),
                          .optional(item.session), .optional(item.capturedOn), .optional(item.flag), .text(item.decision.rawValue),
                          .optional(item.category), .optional(item.reason), .optional(item.decidedBy), .optional(item.decidedAt.map(millis))])
            }
            var entry = audit
            entry.target = "sar-review:\(id)"
            try await tx.appendAudit(entry)
            return id
        }
    }

    public func accessReview(_ id: Int64) async throws(CatalogError) -> AccessReviewRecord? {
        guard var review = try await queryOne("SELECT \(Self.accessReviewColumns) FROM sar_reviews WHERE id = $1", [.int(id)], Self.accessReviewRow) else {
            return nil
        }
        review.items = try await query("""
            SELECT item_key, kind, recording_id, session, captured_on, flag, decision, category, reason, decided_by, decided_at_ms
            FROM sar_review_items WHERE review_id = $1 ORDER BY position
            """, [.int(id)]) { row throws(CatalogError) in
            guard let kind = AccessReviewItem.Kind(rawValue: try row.text(1)), let decision = AccessReviewItem.Decision(rawValue: try row.text(6)) else {
                throw .corruptRow(table: "sar_review_items", id: "\(id)/\(try row.text(0))", reason: "unknown kind or decision")
            }
            return AccessReviewItem(key: try row.text(0), kind: kind,
                                    recording: try row.optionalBlob(2).map { (b) throws(CatalogError) -> RecordingID in try RecordingID(bytes: b) },
                                    session: try row.optionalText(3), capturedOn: try row.optionalText(4), flag: try row.optionalText(5),
                                    decision: decision, category: try row.optionalText(7), reason: try row.optionalText(8),
                                    decidedBy: try row.optionalText(9), decidedAt: try row.optionalInt(10).map(date))
        }
        return review
    }

    public func accessReviews(patient: String?) async throws(CatalogError) -> [AccessReviewRecord] {
        if let patient {
            return try await query("SELECT \(Self.accessReviewColumns) FROM sar_reviews WHERE patient = $1 ORDER BY id DESC", [.text(patient)],
                                   Self.accessReviewRow)
        }
        return try await query("SELECT \(Self.accessReviewColumns) FROM sar_reviews ORDER BY id DESC", [], Self.accessReviewRow)
    }

    public func updateAccessReview(_ review: AccessReviewRecord, expectedRevision: Int64, audit: AuditDraft) async throws(CatalogError) {
        guard let id = review.id else { throw .notFound(what: "subject-access review", id: "(no id)") }
        try await transaction { (tx) throws(CatalogError) in
            let harm = review.harm
            let changed = try await tx.changes("""
                UPDATE sar_reviews SET revision = revision + 1, harm_professional = $1, harm_professional_role = $2, harm_given_on = $3,
                    harm_serious = $4, harm_reason = $5, harm_recorded_by = $6, harm_recorded_at_ms = $7, signed_by = $8, signed_at_ms = $9,
                    signature = $10, released_by = $11, released_at_ms = $12
                WHERE id = $13 AND revision = $14 RETURNING 1
                """, [.optional(harm?.professional), .optional(harm?.professionalRole), .optional(harm?.givenOn),
                      .optional(harm.map { $0.seriousHarm ? Int64(1) : 0 }), .optional(harm?.reason), .optional(harm?.recordedBy),
                      .optional(harm.map { millis($0.recordedAt) }), .optional(review.signedBy), .optional(review.signedAt.map(millis)),
                      .optional(review.signature), .optional(review.releasedBy), .optional(review.releasedAt.map(millis)),
                      .int(id), .int(expectedRevision)])
            guard changed == 1 else {
                if try await tx.queryOne("SELECT 1 FROM sar_reviews WHERE id = $1", [.int(id)], { _ in 1 }) == nil {
                    throw .notFound(what: "subject-access review", id: String(id))
                }
                throw .changedConcurrently(what: "subject-access review", id: String(id))
            }
            for item in review.items {
                let updated = try await tx.changes("""
                    UPDATE sar_review_items SET decision = $1, category = $2, reason = $3, decided_by = $4, decided_at_ms = $5
                    WHERE review_id = $6 AND item_key = $7 RETURNING 1
                    """, [.text(item.decision.rawValue), .optional(item.category), .optional(item.reason), .optional(item.decidedBy),
                          .optional(item.decidedAt.map(millis)), .int(id), .text(item.key)])
                guard updated == 1 else { throw .notFound(what: "item of subject-access review \(id)", id: item.key) }
            }
            try await tx.appendAudit(audit)
        }
    }

    static func accessReviewRow(_ row: PGRow) throws(CatalogError) -> AccessReviewRecord {
        var harm: HarmOpinion?
        if let professional = try row.optionalText(6) {
            harm = HarmOpinion(professional: professional, professionalRole: try row.optionalText(7) ?? "", givenOn: try row.optionalText(8) ?? "",
                               seriousHarm: try row.optionalInt(9) == 1, reason: try row.optionalText(10), recordedBy: try row.optionalText(11) ?? "",
                               recordedAt: date(try row.optionalInt(12) ?? 0))
        }
        return AccessReviewRecord(id: try row.int(0), patient: try row.text(1), reviewCopies: try row.int(2) != 0, createdBy: try row.text(3),
                                  createdAt: date(try row.int(4)), revision: try row.int(5), harm: harm, signedBy: try row.optionalText(13),
                                  signedAt: try row.optionalInt(14).map(date), signature: try row.optionalBlob(15), releasedBy: try row.optionalText(16),
                                  releasedAt: try row.optionalInt(17).map(date), items: [])
    }
}
