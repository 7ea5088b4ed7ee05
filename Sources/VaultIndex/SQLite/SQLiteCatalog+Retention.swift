public import Foundation

extension SQLiteCatalog {
    /// SQL that is true when an active hold covers recording `r`.
    /// Held: a hold on the recording, on its patient, or on the recording it was derived from (a
    /// held source holds its review copies).
    static let heldClause = """
        (EXISTS (SELECT 1 FROM holds h WHERE h.released_at_ms IS NULL AND h.recording_id = r.id)
         OR EXISTS (SELECT 1 FROM holds h WHERE h.released_at_ms IS NULL AND h.patient = r.patient)
         OR (r.source_id IS NOT NULL AND EXISTS (SELECT 1 FROM holds h WHERE h.released_at_ms IS NULL AND h.recording_id = r.source_id)))
        """

    // MARK: - Consent withdrawal and due dates

    public func withdrawConsent(session: String, scope: String, withdrawnOn: String, recordedAt: Date, revokeRoles: [String],
                                dueUpdates: [DueDateUpdate], audit: AuditDraft) throws(CatalogError) -> [WrapRecord] {
        try db.transaction { () throws(CatalogError) -> [WrapRecord] in
            let changed = try db.run("""
                UPDATE consents SET withdrawn_on = ?, withdrawal_recorded_at_ms = ?
                WHERE session = ? AND scope = ? AND withdrawn_on IS NULL AND superseded_on IS NULL
                """, [.text(withdrawnOn), .integer(millis(recordedAt)), .text(session), .text(scope)])
            guard changed == 1 else { throw .notFound(what: "active consent scope '\(scope)' of session", id: session) }
            var removed: [WrapRecord] = []
            for role in revokeRoles {
                removed += try db.query("""
                    DELETE FROM wraps WHERE role = ? AND recording_id IN (SELECT id FROM recordings WHERE session = ? AND state = 'live')
                    RETURNING recording_id, role, key_id, wrapped
                    """, [.text(role), .text(session)], Self.wrapRow)
            }
            try applyDueUpdates(dueUpdates)
            var entry = audit
            entry.detail = [audit.detail, "\(removed.count) wraps revoked"].compactMap { $0 }.joined(separator: "; ")
            try appendAuditInTransaction(entry)
            return removed
        }
    }

    public func updateDueDates(_ updates: [DueDateUpdate], patient: PatientRecord?, audit: AuditDraft) throws(CatalogError) {
        try db.transaction { () throws(CatalogError) in
            if let patient { try upsertPatientInTransaction(patient) }
            try applyDueUpdates(updates)
            try appendAuditInTransaction(audit)
        }
    }

    func applyDueUpdates(_ updates: [DueDateUpdate]) throws(CatalogError) {
        // An officer's extension holds against every recomputation, even one computed before the
        // extension committed: a due date is never set before the latest extension's end.
        let statement = try db.prepare("""
            UPDATE recordings SET due_on = CASE WHEN ?1 IS NULL THEN NULL
                    ELSE max(?1, coalesce((SELECT max(until_on) FROM retention_extensions WHERE recording_id = ?4), ?1)) END,
                disposition = ?2, retention_rule = ?3
            WHERE id = ?4 AND state = 'live'
            """)
        for update in updates {
            try statement.reset()
            try statement.bind([optional(update.dueOn), optional(update.disposition), optional(update.rule), .blob(update.recording.bytes)])
            while try statement.step() {}
            // A new due date supersedes any queued review of the old one.
            try db.run("DELETE FROM dispositions WHERE recording_id = ? AND status = 'pending'", [.blob(update.recording.bytes)])
        }
    }

    // MARK: - Holds

    public func placeHold(_ hold: HoldRecord, audit: AuditDraft) throws(CatalogError) -> Int64 {
        try db.transaction { () throws(CatalogError) -> Int64 in
            if let recording = hold.recording {
                let state = try db.queryOne("SELECT state FROM recordings WHERE id = ?", [.blob(recording.bytes)]) { $0.text(0) }
                guard let state, state != RecordingState.staging.rawValue else { throw .notFound(what: "recording", id: recording.description) }
                guard state == RecordingState.live.rawValue else {
                    throw .invalidState(recording: recording.description, expected: "live", found: state)
                }
            }
            try db.run("""
                INSERT INTO holds (recording_id, patient, reason, case_ref, placed_by, placed_at_ms) VALUES (?, ?, ?, ?, ?, ?)
                """, [hold.recording.map { .blob($0.bytes) } ?? .null, optional(hold.patient), .text(hold.reason), .text(hold.caseRef),
                      .text(hold.placedBy), .integer(millis(hold.placedAt))])
            let id = db.lastInsertRowID
            var entry = audit
            entry.detail = [audit.detail, "hold \(id)"].compactMap { $0 }.joined(separator: "; ")
            try appendAuditInTransaction(entry)
            return id
        }
    }

    public func releaseHold(_ id: Int64, by: String, at: Date, audit: AuditDraft) throws(CatalogError) {
        try db.transaction { () throws(CatalogError) in
            let changed = try db.run("UPDATE holds SET released_by = ?, released_at_ms = ? WHERE id = ? AND released_at_ms IS NULL",
                                     [.text(by), .integer(millis(at)), .integer(id)])
            guard changed == 1 else { throw .notFound(what: "active hold", id: String(id)) }
            try appendAuditInTransaction(audit)
        }
    }

    public func holds(includeReleased: Bool) throws(CatalogError) -> [HoldRecord] {
        try db.query("""
            SELECT id, recording_id, patient, reason, case_ref, placed_by, placed_at_ms, released_by, released_at_ms FROM holds
            \(includeReleased ? "" : "WHERE released_at_ms IS NULL") ORDER BY id
            """) { (row) throws(CatalogError) in
            HoldRecord(id: row.int(0), recording: try row.optionalBlob(1).map { (b) throws(CatalogError) in try RecordingID(bytes: b) },
                       patient: row.optionalText(2), reason: row.text(3), caseRef: row.text(4), placedBy: row.text(5),
                       placedAt: date(row.int(6)), releasedBy: row.optionalText(7), releasedAt: row.optionalInt(8).map(date))
        }
    }

    public func isHeld(_ id: RecordingID) throws(CatalogError) -> Bool {
        try db.queryOne("SELECT \(Self.heldClause) FROM recordings r WHERE r.id = ?", [.blob(id.bytes)]) { $0.int(0) != 0 } ?? false
    }

    // MARK: - Sweeping

    public func dueSummary(on today: String) throws(CatalogError) -> [DueSummary] {
        try db.query("""
            SELECT r.class, coalesce(r.disposition, 'destroy'), count(*), sum(\(Self.heldClause))
            FROM recordings r INDEXED BY recordings_due_summary
            WHERE r.state = 'live' AND r.due_on IS NOT NULL AND r.due_on <= ?
            GROUP BY 1, 2 ORDER BY 1, 2
            """, [.text(today)]) { row in
            DueSummary(retentionClass: row.text(0), disposition: row.text(1), count: Int(row.int(2)), held: Int(row.int(3)))
        }
    }

    public func destroyable(on today: String, limit: Int) throws(CatalogError) -> [RecordingRecord] {
        let columns = Self.recordingColumns.split(separator: ",").map { "r." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .joined(separator: ", ")
        return try db.query("""
            SELECT \(columns) FROM recordings r
            WHERE r.state = 'live' AND r.due_on IS NOT NULL AND r.due_on <= ?
              AND (coalesce(r.disposition, 'destroy') = 'destroy'
                   OR EXISTS (SELECT 1 FROM dispositions d WHERE d.recording_id = r.id AND d.status = 'approved'))
              AND NOT \(Self.heldClause)
            ORDER BY r.due_on, r.rowid LIMIT ?
            """, [.text(today), .integer(Int64(limit))], Self.recordingRow)
    }

    public func queueReviews(on today: String, at: Date, limit: Int) throws(CatalogError) -> Int {
        try db.transaction { () throws(CatalogError) -> Int in
            try db.run("""
                INSERT INTO dispositions (recording_id, status, due_on, rule, queued_at_ms)
                SELECT r.id, 'pending', r.due_on, r.retention_rule, ? FROM recordings r INDEXED BY recordings_due_summary
                WHERE r.state = 'live' AND r.due_on IS NOT NULL AND r.due_on <= ? AND r.disposition = 'review'
                  AND NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.recording_id = r.id)
                  AND NOT \(Self.heldClause)
                ORDER BY r.due_on LIMIT ?
                """, [.integer(millis(at)), .text(today), .integer(Int64(limit))])
        }
    }

    public func startDisposal(_ items: [(id: RecordingID, authorisedBy: String)], at: Date, actor: String) throws(CatalogError) -> DisposalStart {
        try db.transaction { () throws(CatalogError) -> DisposalStart in
            var started: [RecordingID] = []
            var shredded: [WrapRecord] = []
            let mark = try db.prepare("""
                UPDATE recordings AS r SET state = 'disposing', disposal_started_ms = ?, disposal_authorised_by = ?
                WHERE r.id = ? AND r.state = 'live' AND NOT \(Self.heldClause)
                """)
            let shred = try db.prepare("DELETE FROM wraps WHERE recording_id = ? RETURNING recording_id, role, key_id, wrapped")
            for (id, authorisedBy) in items {
                try mark.reset()
                try mark.bind([.integer(millis(at)), .text(authorisedBy), .blob(id.bytes)])
                while try mark.step() {}
                guard db.changes == 1 else { continue }
                try shred.reset()
                try shred.bind([.blob(id.bytes)])
                while try shred.step() { shredded.append(try Self.wrapRow(SQLiteRow(statement: shred))) }
                try appendAuditInTransaction(AuditDraft(actor: actor, action: .destroyShred, target: id.description,
                                                        detail: "every wrap deleted; authorised by \(authorisedBy)"))
                started.append(id)
            }
            return DisposalStart(started: started, shreddedWraps: shredded)
        }
    }

    public func disposing(after: RecordingID?, limit: Int) throws(CatalogError) -> [RecordingRecord] {
        // The repeated `<>` terms let SQLite use the partial index recordings_state (it cannot infer them
        // from `state = 'disposing'`); without them this is a scan of every recording.
        try db.query("""
            SELECT \(Self.recordingColumns) FROM recordings
            WHERE state = 'disposing' AND state <> 'live' AND state <> 'destroyed' AND id > ? ORDER BY id LIMIT ?
            """,
                     [.blob(after?.bytes ?? []), .integer(Int64(limit))], Self.recordingRow)
    }

    public func finishDisposal(_ records: [DestructionRecord], actor: String) throws(CatalogError) {
        try db.transaction { () throws(CatalogError) in
            for record in records {
                let state = try db.queryOne("SELECT state FROM recordings WHERE id = ?", [.blob(record.recording.bytes)]) { $0.text(0) }
                guard state == RecordingState.disposing.rawValue else {
                    throw .invalidState(recording: record.recording.description, expected: "disposing", found: state ?? "missing")
                }
                try db.run("""
                    INSERT INTO destructions (recording_id, patient, class, rule, due_on, authorised_by, started_at_ms, destroyed_at_ms,
                        chunk_count, byte_count, digest_root, as_of, schedule, method, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.blob(record.recording.bytes), optional(record.patient), .text(record.retentionClass), optional(record.rule),
                          optional(record.dueOn), .text(record.authorisedBy), .integer(millis(record.startedAt)),
                          .integer(millis(record.destroyedAt)), .integer(Int64(record.chunkCount)), .integer(record.byteCount),
                          .text(record.digestRoot), optional(record.asOf), optional(record.schedule), optional(record.method),
                          optional(record.reason)])
                try db.run("DELETE FROM chunks WHERE recording_id = ?", [.blob(record.recording.bytes)])
                try db.run("DELETE FROM wraps WHERE recording_id = ?", [.blob(record.recording.bytes)])
                try db.run("DELETE FROM dispositions WHERE recording_id = ?", [.blob(record.recording.bytes)])
                try db.run("""
                    UPDATE recordings SET state = 'destroyed', manifest = NULL, manifest_tag = NULL, media_facts = NULL, due_on = NULL
                    WHERE id = ?
                    """, [.blob(record.recording.bytes)])
                try appendAuditInTransaction(AuditDraft(actor: actor, action: .destroy, target: record.recording.description,
                                                        detail: "class \(record.retentionClass), \(record.chunkCount) chunks, rule \(record.rule ?? "-")"
                                                            + (record.asOf.map { ", as of \($0)" } ?? "")))
            }
        }
    }

    public func destructionRecords(since: Date?, limit: Int) throws(CatalogError) -> [DestructionRecord] {
        try db.query("""
            SELECT recording_id, patient, class, rule, due_on, authorised_by, started_at_ms, destroyed_at_ms, chunk_count, byte_count, digest_root, as_of,
                schedule, method, reason
            FROM destructions WHERE destroyed_at_ms >= ? ORDER BY destroyed_at_ms, recording_id LIMIT ?
            """, [.integer(since.map(millis) ?? 0), .integer(Int64(limit))]) { (row) throws(CatalogError) in
            DestructionRecord(recording: try RecordingID(bytes: row.blob(0)), patient: row.optionalText(1), retentionClass: row.text(2),
                              rule: row.optionalText(3), dueOn: row.optionalText(4), authorisedBy: row.text(5), startedAt: date(row.int(6)),
                              destroyedAt: date(row.int(7)), chunkCount: Int(row.int(8)), byteCount: row.int(9), digestRoot: row.text(10),
                              asOf: row.optionalText(11), schedule: row.optionalText(12), method: row.optionalText(13), reason: row.optionalText(14))
        }
    }

    public func dispositions(status: DispositionRecord.Status?) throws(CatalogError) -> [DispositionRecord] {
        try db.query("""
            SELECT recording_id, status, due_on, rule, queued_at_ms, decided_by, decided_at_ms, extended_until, reason, signature FROM dispositions
            \(status == nil ? "" : "WHERE status = ?") ORDER BY due_on, recording_id
            """, status.map { [.text($0.rawValue)] } ?? []) { (row) throws(CatalogError) in
            DispositionRecord(recording: try RecordingID(bytes: row.blob(0)), status: DispositionRecord.Status(rawValue: row.text(1)) ?? .pending,
                              dueOn: row.text(2), rule: row.optionalText(3), queuedAt: date(row.int(4)), decidedBy: row.optionalText(5),
                              decidedAt: row.optionalInt(6).map(date), extendedUntil: row.optionalText(7), reason: row.optionalText(8),
                              signature: row.optionalBlob(9))
        }
    }

    public func reopenDisposition(_ id: RecordingID, audit: AuditDraft) throws(CatalogError) {
        try db.transaction { () throws(CatalogError) in
            try db.run("""
                UPDATE dispositions SET status = 'pending', decided_by = NULL, decided_at_ms = NULL, reason = NULL, signature = NULL
                WHERE recording_id = ? AND status = 'approved'
                """, [.blob(id.bytes)])
            try appendAuditInTransaction(audit)
        }
    }

    public func decideDisposition(_ id: RecordingID, approve: Bool, extendUntil: String?, reason: String?, by: String, at: Date,
                                  signature: [UInt8]?, audit: AuditDraft) throws(CatalogError) {
        try db.transaction { () throws(CatalogError) in
            let status = try db.queryOne("SELECT status FROM dispositions WHERE recording_id = ?", [.blob(id.bytes)]) { $0.text(0) }
            guard status == DispositionRecord.Status.pending.rawValue else {
                throw .invalidState(recording: id.description, expected: "pending review", found: status ?? "not queued for review")
            }
            try db.run("""
                UPDATE dispositions SET status = ?, decided_by = ?, decided_at_ms = ?, extended_until = ?, reason = ?, signature = ?
                WHERE recording_id = ?
                """, [.text(approve ? "approved" : "extended"), .text(by), .integer(millis(at)), optional(extendUntil), optional(reason),
                      signature.map { .blob($0) } ?? .null, .blob(id.bytes)])
            if !approve, let extendUntil {
                try db.run("UPDATE recordings SET due_on = ? WHERE id = ? AND state = 'live'", [.text(extendUntil), .blob(id.bytes)])
                // The extension stays as a decision that later recomputations honour; the review is
                // history, and the recording can be queued again when the new date comes.
                try db.run("""
                    INSERT INTO retention_extensions (recording_id, until_on, reason, decided_by, decided_at_ms, signature) VALUES (?, ?, ?, ?, ?, ?)
                    """, [.blob(id.bytes), .text(extendUntil), .text(reason ?? ""), .text(by), .integer(millis(at)), signature.map { .blob($0) } ?? .null])
                try db.run("DELETE FROM dispositions WHERE recording_id = ?", [.blob(id.bytes)])
            }
            try appendAuditInTransaction(audit)
        }
    }
}

extension SQLiteCatalog {
    public func retentionExtensions(of id: RecordingID) throws(CatalogError) -> [RetentionExtension] {
        try db.query("""
            SELECT id, until_on, reason, decided_by, decided_at_ms, signature FROM retention_extensions WHERE recording_id = ? ORDER BY id
            """, [.blob(id.bytes)]) { row in
            RetentionExtension(id: row.int(0), recording: id, untilOn: row.text(1), reason: row.text(2), decidedBy: row.text(3),
                               decidedAt: date(row.int(4)), signature: row.optionalBlob(5))
        }
    }

    public func liveRecordingsWithoutWraps(limit: Int) throws(CatalogError) -> [RecordingID] {
        try db.query("""
            SELECT r.id FROM recordings r WHERE r.state = 'live' AND NOT EXISTS (SELECT 1 FROM wraps w WHERE w.recording_id = r.id) LIMIT ?
            """, [.integer(Int64(limit))]) { (row) throws(CatalogError) in try RecordingID(bytes: row.blob(0)) }
    }

    public func wrapsOfRecordingsNotLive(limit: Int) throws(CatalogError) -> [WrapRecord] {
        try db.query("""
            SELECT w.recording_id, w.role, w.key_id, w.wrapped FROM wraps w JOIN recordings r ON r.id = w.recording_id
            WHERE r.state <> 'live' AND r.state <> 'staging' LIMIT ?
            """, [.integer(Int64(limit))], Self.wrapRow)
    }

    public func deleteWrapsOfRecordingsNotLive(audit: AuditDraft) throws(CatalogError) -> Int {
        try db.transaction { () throws(CatalogError) -> Int in
            let removed = try db.run("""
                DELETE FROM wraps WHERE recording_id IN (SELECT id FROM recordings WHERE state <> 'live' AND state <> 'staging')
                """)
            if removed > 0 { try appendAuditInTransaction(audit) }
            return removed
        }
    }
}
