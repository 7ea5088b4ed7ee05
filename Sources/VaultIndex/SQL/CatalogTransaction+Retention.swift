import Foundation

// Consent withdrawal, due dates, holds, sweeping and disposal: the ``Catalog`` methods of the same names.
extension CatalogTransaction {
    /// SQL that is true when an active hold covers recording `r`.
    /// Held: a hold on the recording, on its patient, or on the recording it was derived from (a
    /// held source holds its review copies).
    static let heldClause = """
        (EXISTS (SELECT 1 FROM holds h WHERE h.released_at_ms IS NULL AND h.recording_id = r.id)
         OR EXISTS (SELECT 1 FROM holds h WHERE h.released_at_ms IS NULL AND h.patient = r.patient)
         OR (r.source_id IS NOT NULL AND EXISTS (SELECT 1 FROM holds h WHERE h.released_at_ms IS NULL AND h.recording_id = r.source_id)))
        """

    nonisolated(nonsending) func withdrawConsent(session: String, scope: String, withdrawnOn: CivilDate, recordedAt: Date, revokeRoles: [String],
                                                 dueUpdates: [DueDateUpdate], seal: ConsentSealer?, audit: AuditDraft) async throws(CatalogError) -> [WrapRecord] {
        // The session's consent lock first (see commitRecording): an ingest of this session commits before or after, whole.
        try await self.session.take(.consents(session: session))
        try await changeOne("""
            UPDATE consents SET withdrawn_on = ?, withdrawal_recorded_at_ms = ?
            WHERE session = ? AND scope = ? AND withdrawn_on IS NULL AND superseded_on IS NULL RETURNING 1
            """, [.date(withdrawnOn), .millis(recordedAt), .text(session), .text(scope)],
            or: .notFound(what: "active consent scope '\(scope)' of session", id: session))
        if let seal { try await storeSeal(seal, of: session) }
        var removed: [WrapRecord] = []
        if !revokeRoles.isEmpty {
            if dialect.locksRows {
                // The session's live recordings first, in id order: a disposal or rotation of them waits, or has committed.
                try await run("SELECT id FROM recordings WHERE session = ? AND state = 'live' ORDER BY id FOR UPDATE", [.text(session)])
            }
            removed = try await query("""
                DELETE FROM wraps WHERE role IN \(SQLDialect.placeholders(revokeRoles.count))
                  AND recording_id IN (SELECT id FROM recordings WHERE session = ? AND state = 'live')
                RETURNING \(CatalogRows.wrap)
                """, revokeRoles.map { .text($0) } + [.text(session)], CatalogRows.wrap)
        }
        try await applyDueUpdates(dueUpdates)
        try await appendAudit(audit, note: "\(removed.count) wraps revoked")
        return removed
    }

    nonisolated(nonsending) func updateDueDates(_ updates: [DueDateUpdate], patient: PatientRecord?, audit: AuditDraft) async throws(CatalogError) {
        if let patient { try await upsertPatient(patient) }
        try await applyDueUpdates(updates)
        try await appendAudit(audit)
    }

    nonisolated(nonsending) func applyDueUpdates(_ updates: [DueDateUpdate]) async throws(CatalogError) {
        for update in updates {
            // An officer's extension holds against every recomputation, even one computed before the
            // extension committed: a due date is never set before the latest extension's end.
            let latest = "coalesce((SELECT max(until_on) FROM retention_extensions WHERE recording_id = ?4), CAST(?1 AS TEXT))"
            try await run("""
                UPDATE recordings SET due_on = CASE WHEN CAST(?1 AS TEXT) IS NULL THEN NULL
                        ELSE \(dialect.greatest("CAST(?1 AS TEXT)", latest)) END,
                    disposition = ?2, retention_rule = ?3
                WHERE id = ?4 AND state = 'live'
                """, [.optional(update.dueOn), .optional(update.disposition), .optional(update.rule), .blob(update.recording.bytes)])
            // A new due date supersedes any queued review of the old one.
            try await run("DELETE FROM dispositions WHERE recording_id = ? AND status = 'pending'", [.blob(update.recording.bytes)])
        }
    }

    // MARK: - Holds

    nonisolated(nonsending) func placeHold(_ hold: HoldRecord, audit: AuditDraft) async throws(CatalogError) -> Int64 {
        if let recording = hold.recording {
            // FOR SHARE: a concurrent beginDisposal of this recording either committed (we see it is no
            // longer live) or waits for us and then sees the hold.
            let state = try await lockRecordings([recording], .share)[recording]
            guard let state, state != RecordingState.staging.rawValue else { throw .notFound(what: "recording", id: recording.description) }
            guard state == RecordingState.live.rawValue else {
                throw .invalidState(recording: recording.description, expected: "live", found: state)
            }
        }
        if let patient = hold.patient, dialect.locksRows {
            // The same for every live recording of the patient.
            try await run("SELECT id FROM recordings WHERE patient = ? AND state = 'live' ORDER BY id FOR SHARE", [.text(patient)])
        }
        let id = try await queryOne("""
            INSERT INTO holds (recording_id, patient, reason, case_ref, placed_by, placed_at_ms) VALUES (?, ?, ?, ?, ?, ?) RETURNING id
            """, [.optional(hold.recording?.bytes), .optional(hold.patient), .text(hold.reason), .text(hold.caseRef),
                  .text(hold.placedBy), .millis(hold.placedAt)]) { row throws(CatalogError) in try row.int(0) }
        guard let id else { throw .backend(message: "INSERT INTO holds returned no id") }
        try await appendAudit(audit, note: "hold \(id)")
        return id
    }

    nonisolated(nonsending) func releaseHold(_ id: Int64, by: String, at: Date, audit: AuditDraft) async throws(CatalogError) {
        try await changeOne("UPDATE holds SET released_by = ?, released_at_ms = ? WHERE id = ? AND released_at_ms IS NULL RETURNING 1",
                            [.text(by), .millis(at), .integer(id)], or: .notFound(what: "active hold", id: String(id)))
        try await appendAudit(audit)
    }

    nonisolated(nonsending) func holds(includeReleased: Bool) async throws(CatalogError) -> [HoldRecord] {
        try await query("""
            SELECT id, recording_id, patient, reason, case_ref, placed_by, placed_at_ms, released_by, released_at_ms FROM holds
            \(includeReleased ? "" : "WHERE released_at_ms IS NULL") ORDER BY id
            """) { row throws(CatalogError) in
            HoldRecord(id: try row.int(0), recording: try row.optionalRecordingID(1), patient: try row.optionalText(2), reason: try row.text(3),
                       caseRef: try row.text(4), placedBy: try row.text(5), placedAt: try row.date(6), releasedBy: try row.optionalText(7),
                       releasedAt: try row.optionalDate(8))
        }
    }

    nonisolated(nonsending) func isHeld(_ id: RecordingID) async throws(CatalogError) -> Bool {
        try await queryOne("SELECT \(Self.heldClause) FROM recordings r WHERE r.id = ?", [.blob(id.bytes)]) { row throws(CatalogError) in
            try row.bool(0)
        } ?? false
    }

    // MARK: - Sweeping

    nonisolated(nonsending) func dueSummary(on today: CivilDate) async throws(CatalogError) -> [DueSummary] {
        try await query("""
            SELECT r.class, coalesce(r.disposition, 'destroy'), count(*), count(*) FILTER (WHERE \(Self.heldClause))
            FROM recordings r\(dialect.indexedBy("recordings_due_summary"))
            WHERE r.state = 'live' AND r.due_on IS NOT NULL AND r.due_on <= ?
            GROUP BY 1, 2 ORDER BY 1, 2
            """, [.date(today)]) { row throws(CatalogError) in
            DueSummary(retentionClass: try row.text(0),
                       disposition: try ColumnReader(row: row, table: "recordings", id: "class \(try row.text(0))").disposition(1, "disposition"),
                       count: Int(try row.int(2)), held: Int(try row.int(3)))
        }
    }

    nonisolated(nonsending) func destroyable(on today: CivilDate, limit: Int) async throws(CatalogError) -> [RecordingRecord] {
        try await query("""
            SELECT \(CatalogRows.recordingR) FROM recordings r
            WHERE r.state = 'live' AND r.due_on IS NOT NULL AND r.due_on <= ?
              AND (coalesce(r.disposition, 'destroy') = 'destroy'
                   OR EXISTS (SELECT 1 FROM dispositions d WHERE d.recording_id = r.id AND d.status = 'approved'))
              AND NOT \(Self.heldClause)
            ORDER BY r.due_on, \(dialect.arrivalOrder("r")) LIMIT ?
            """, [.date(today), .integer(Int64(max(0, limit)))], CatalogRows.recording)
    }

    nonisolated(nonsending) func queueReviews(on today: CivilDate, at: Date, limit: Int) async throws(CatalogError) -> Int {
        // ON CONFLICT: another node queueing the same review at the same moment is not an error.
        try await changes("""
            INSERT INTO dispositions (recording_id, status, due_on, rule, queued_at_ms)
            SELECT r.id, 'pending', r.due_on, r.retention_rule, ? FROM recordings r\(dialect.indexedBy("recordings_due_summary"))
            WHERE r.state = 'live' AND r.due_on IS NOT NULL AND r.due_on <= ? AND r.disposition = 'review'
              AND NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.recording_id = r.id)
              AND NOT \(Self.heldClause)
            ORDER BY r.due_on, r.id LIMIT ?
            ON CONFLICT (recording_id) DO NOTHING
            RETURNING 1
            """, [.millis(at), .date(today), .integer(Int64(max(0, limit)))])
    }

    nonisolated(nonsending) func startDisposal(_ items: [(id: RecordingID, authorisedBy: String)], at: Date,
                                               actor: String) async throws(CatalogError) -> DisposalStart {
        guard !items.isEmpty else { return DisposalStart() }
        // Lock every recording first (id order), then decide in later statements: a recording that another
        // node is disposing (or holding) right now is seen in the state that node commits.
        let states = try await lockRecordings(items.map(\.id), .update)
        var seen = Set<RecordingID>()
        let candidates = items.filter { states[$0.id] == RecordingState.live.rawValue && seen.insert($0.id).inserted }
        // One statement per authoriser (a sweep's batch has one), not one per recording.
        var marked = Set<RecordingID>()
        for authorisedBy in Set(candidates.map(\.authorisedBy)).sorted() {
            let ids: [SQLValue] = candidates.filter { $0.authorisedBy == authorisedBy }.map { .blob($0.id.bytes) }
            marked.formUnion(try await query(in: ids, { """
                UPDATE recordings AS r SET state = 'disposing', disposal_started_ms = ?, disposal_authorised_by = ?
                WHERE r.id IN \($0) AND r.state = 'live' AND NOT \(Self.heldClause) RETURNING id
                """ }, [.millis(at), .text(authorisedBy)]) { row throws(CatalogError) in try row.recordingID(0) })
        }
        let started = candidates.filter { marked.contains($0.id) }
        guard !started.isEmpty else { return DisposalStart() }
        // Crypto-shredding: every wrap of every started recording.
        let shredded = try await query(in: started.map { .blob($0.id.bytes) },
                                       { "DELETE FROM wraps WHERE recording_id IN \($0) RETURNING \(CatalogRows.wrap)" }, [], CatalogRows.wrap)
        try await appendAudit(started.map { item in
            AuditDraft(actor: actor, action: .destroyShred, target: item.id.description,
                       detail: "every wrap deleted; authorised by \(item.authorisedBy)")
        })
        return DisposalStart(started: started.map(\.id), shreddedWraps: shredded)
    }

    nonisolated(nonsending) func disposing(after: RecordingID?, limit: Int) async throws(CatalogError) -> [RecordingRecord] {
        // The repeated `<>` terms let SQLite use the partial index recordings_state (it cannot infer them
        // from `state = 'disposing'`); without them this is a scan of every recording.
        try await query("""
            SELECT \(CatalogRows.recording) FROM recordings
            WHERE state = 'disposing' AND state <> 'live' AND state <> 'destroyed' AND id > ? ORDER BY id LIMIT ?
            """, [.blob(after?.bytes ?? []), .integer(Int64(max(0, limit)))], CatalogRows.recording)
    }

    nonisolated(nonsending) func finishDisposal(_ records: [DestructionRecord], actor: String) async throws(CatalogError) {
        guard !records.isEmpty else { return }
        let states = try await lockRecordings(records.map(\.recording), .update)
        var finished = Set<RecordingID>()
        for record in records {
            // The same recording twice is found destroyed the second time.
            let state = finished.contains(record.recording) ? RecordingState.destroyed.rawValue : states[record.recording]
            guard state == RecordingState.disposing.rawValue else {
                throw .invalidState(recording: record.recording.description, expected: "disposing", found: state ?? "missing")
            }
            finished.insert(record.recording)
        }
        try await session.insert(
            into: "destructions",
            columns: ["recording_id", "patient", "class", "rule", "due_on", "authorised_by", "started_at_ms", "destroyed_at_ms",
                      "chunk_count", "byte_count", "digest_root", "as_of", "schedule", "method", "reason"],
            rows: records.map { record in
                [.blob(record.recording.bytes), .optional(record.patient), .text(record.retentionClass), .optional(record.rule),
                 .optional(record.dueOn), .text(record.authorisedBy), .millis(record.startedAt), .millis(record.destroyedAt),
                 .integer(Int64(record.chunkCount)), .integer(record.byteCount), .text(record.digestRoot), .optional(record.asOf),
                 .optional(record.schedule), .optional(record.method), .optional(record.reason)]
            })
        let ids: [SQLValue] = records.map { .blob($0.recording.bytes) }
        for statement in ["DELETE FROM chunks WHERE recording_id IN ", "DELETE FROM wraps WHERE recording_id IN ",
                          "DELETE FROM dispositions WHERE recording_id IN ",
                          "UPDATE recordings SET state = 'destroyed', manifest = NULL, manifest_tag = NULL, media_facts = NULL, due_on = NULL WHERE id IN "] {
            _ = try await query(in: ids, { statement + $0 }) { _ throws(CatalogError) in () }
        }
        try await appendAudit(records.map { record in
            AuditDraft(actor: actor, action: .destroy, target: record.recording.description,
                       detail: "class \(record.retentionClass), \(record.chunkCount) chunks, rule \(record.rule ?? "-")"
                           + (record.asOf.map { ", as of \($0)" } ?? ""))
        })
    }

    nonisolated(nonsending) func destructionRecords(since: Date?, limit: Int) async throws(CatalogError) -> [DestructionRecord] {
        try await query("""
            SELECT recording_id, patient, class, rule, due_on, authorised_by, started_at_ms, destroyed_at_ms, chunk_count, byte_count, digest_root, as_of,
                schedule, method, reason
            FROM destructions WHERE destroyed_at_ms >= ? ORDER BY destroyed_at_ms, recording_id LIMIT ?
            """, [.integer(since.map(millis) ?? 0), .integer(Int64(max(0, limit)))]) { row throws(CatalogError) in
            let recording = try row.recordingID(0)
            let column = ColumnReader(row: row, table: "destructions", id: recording.description)
            return DestructionRecord(recording: recording, patient: try row.optionalText(1), retentionClass: try row.text(2),
                              rule: try row.optionalText(3), dueOn: try column.optionalCivilDate(4, "due_on"), authorisedBy: try row.text(5),
                              startedAt: try row.date(6), destroyedAt: try row.date(7), chunkCount: Int(try row.int(8)),
                              byteCount: try row.int(9), digestRoot: try row.text(10), asOf: try column.optionalCivilDate(11, "as_of"),
                              schedule: try row.optionalText(12), method: try row.optionalText(13), reason: try row.optionalText(14))
        }
    }

    nonisolated(nonsending) func dispositions(status: DispositionRecord.Status?) async throws(CatalogError) -> [DispositionRecord] {
        try await query("""
            SELECT recording_id, status, due_on, rule, queued_at_ms, decided_by, decided_at_ms, extended_until, reason, signature FROM dispositions
            \(status == nil ? "" : "WHERE status = ?") ORDER BY due_on, recording_id
            """, status.map { [.text($0.rawValue)] } ?? []) { row throws(CatalogError) in
            let recording = try row.recordingID(0)
            let column = ColumnReader(row: row, table: "dispositions", id: recording.description)
            return DispositionRecord(recording: recording, status: DispositionRecord.Status(rawValue: try row.text(1)) ?? .pending,
                              dueOn: try column.civilDate(2, "due_on"), rule: try row.optionalText(3), queuedAt: try row.date(4),
                              decidedBy: try row.optionalText(5), decidedAt: try row.optionalDate(6),
                              extendedUntil: try column.optionalCivilDate(7, "extended_until"),
                              reason: try row.optionalText(8), signature: try row.optionalBlob(9))
        }
    }

    nonisolated(nonsending) func reopenDisposition(_ id: RecordingID, audit: AuditDraft) async throws(CatalogError) {
        try await run("""
            UPDATE dispositions SET status = 'pending', decided_by = NULL, decided_at_ms = NULL, reason = NULL, signature = NULL
            WHERE recording_id = ? AND status = 'approved'
            """, [.blob(id.bytes)])
        try await appendAudit(audit)
    }

    nonisolated(nonsending) func decideDisposition(_ id: RecordingID, approve: Bool, extendUntil: CivilDate?, reason: String?, by: String, at: Date,
                                                   signature: [UInt8]?, audit: AuditDraft) async throws(CatalogError) {
        let status = try await queryOne("SELECT status FROM dispositions WHERE recording_id = ?\(dialect.rowLock(.update))", [.blob(id.bytes)]) {
            row throws(CatalogError) in try row.text(0)
        }
        guard status == DispositionRecord.Status.pending.rawValue else {
            throw .invalidState(recording: id.description, expected: "pending review", found: status ?? "not queued for review")
        }
        try await run("""
            UPDATE dispositions SET status = ?, decided_by = ?, decided_at_ms = ?, extended_until = ?, reason = ?, signature = ?
            WHERE recording_id = ?
            """, [.text(approve ? "approved" : "extended"), .text(by), .millis(at), .optional(extendUntil), .optional(reason),
                  .optional(signature), .blob(id.bytes)])
        if !approve, let extendUntil {
            try await run("UPDATE recordings SET due_on = ? WHERE id = ? AND state = 'live'", [.date(extendUntil), .blob(id.bytes)])
            // The extension stays as a decision that later recomputations honour; the review is
            // history, and the recording can be queued again when the new date comes.
            try await run("""
                INSERT INTO retention_extensions (recording_id, until_on, reason, decided_by, decided_at_ms, signature) VALUES (?, ?, ?, ?, ?, ?)
                """, [.blob(id.bytes), .date(extendUntil), .text(reason ?? ""), .text(by), .millis(at), .optional(signature)])
            try await run("DELETE FROM dispositions WHERE recording_id = ?", [.blob(id.bytes)])
        }
        try await appendAudit(audit)
    }

    nonisolated(nonsending) func retentionExtensions(of id: RecordingID) async throws(CatalogError) -> [RetentionExtension] {
        try await query("""
            SELECT id, until_on, reason, decided_by, decided_at_ms, signature FROM retention_extensions WHERE recording_id = ? ORDER BY id
            """, [.blob(id.bytes)]) { row throws(CatalogError) in
            RetentionExtension(id: try row.int(0), recording: id,
                               untilOn: try ColumnReader(row: row, table: "retention_extensions", id: String(try row.int(0))).civilDate(1, "until_on"), reason: try row.text(2), decidedBy: try row.text(3),
                               decidedAt: try row.date(4), signature: try row.optionalBlob(5))
        }
    }

    // MARK: - Consistency (fsck)

    nonisolated(nonsending) func liveRecordingsWithoutWraps(limit: Int) async throws(CatalogError) -> [RecordingID] {
        try await query("""
            SELECT r.id FROM recordings r WHERE r.state = 'live' AND NOT EXISTS (SELECT 1 FROM wraps w WHERE w.recording_id = r.id)
            ORDER BY r.id LIMIT ?
            """, [.integer(Int64(max(0, limit)))]) { row throws(CatalogError) in try row.recordingID(0) }
    }

    nonisolated(nonsending) func wrapsOfRecordingsNotLive(limit: Int) async throws(CatalogError) -> [WrapRecord] {
        try await query("""
            SELECT w.recording_id, w.role, w.key_id, w.wrapped FROM wraps w JOIN recordings r ON r.id = w.recording_id
            WHERE r.state <> 'live' AND r.state <> 'staging' ORDER BY w.recording_id, w.role LIMIT ?
            """, [.integer(Int64(max(0, limit)))], CatalogRows.wrap)
    }

    nonisolated(nonsending) func deleteWrapsOfRecordingsNotLive(audit: AuditDraft) async throws(CatalogError) -> Int {
        let removed = try await changes("""
            DELETE FROM wraps WHERE recording_id IN (SELECT id FROM recordings WHERE state <> 'live' AND state <> 'staging') RETURNING 1
            """)
        if removed > 0 { try await appendAudit(audit) }
        return removed
    }
}
