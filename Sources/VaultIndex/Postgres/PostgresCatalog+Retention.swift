public import Foundation

extension PostgresCatalog {
    /// SQL that is true when an active hold covers recording `r` (as SQLite's).
    /// Held: a hold on the recording, on its patient, or on the recording it was derived from (a
    /// held source holds its review copies).
    static let heldClause = """
        (EXISTS (SELECT 1 FROM holds h WHERE h.released_at_ms IS NULL AND h.recording_id = r.id)
         OR EXISTS (SELECT 1 FROM holds h WHERE h.released_at_ms IS NULL AND h.patient = r.patient)
         OR (r.source_id IS NOT NULL AND EXISTS (SELECT 1 FROM holds h WHERE h.released_at_ms IS NULL AND h.recording_id = r.source_id)))
        """

    // MARK: - Consent withdrawal and due dates

    public func withdrawConsent(session: String, scope: String, withdrawnOn: String, recordedAt: Date, revokeRoles: [String],
                                dueUpdates: [DueDateUpdate], audit: AuditDraft) async throws(CatalogError) -> [WrapRecord] {
        try await transaction { (tx) throws(CatalogError) -> [WrapRecord] in
            // The session's consent lock first (see commitRecording): an ingest of this session commits before or after, whole.
            try await tx.run("SELECT pg_advisory_xact_lock(\(LockKeys.consentNamespace), \(LockKeys.objectID("consent:" + session)))")
            let changed = try await tx.changes("""
                UPDATE consents SET withdrawn_on = $1, withdrawal_recorded_at_ms = $2
                WHERE session = $3 AND scope = $4 AND withdrawn_on IS NULL AND superseded_on IS NULL RETURNING 1
                """, [.text(withdrawnOn), .int(millis(recordedAt)), .text(session), .text(scope)])
            guard changed == 1 else { throw .notFound(what: "active consent scope '\(scope)' of session", id: session) }
            var removed: [WrapRecord] = []
            if !revokeRoles.isEmpty {
                // The session's live recordings first, in id order: a disposal or rotation of them waits, or has committed.
                try await tx.run("SELECT id FROM recordings WHERE session = $1 AND state = 'live' ORDER BY id FOR UPDATE", [.text(session)])
                removed = try await tx.query("""
                    DELETE FROM wraps WHERE role = ANY($1::text[])
                      AND recording_id IN (SELECT id FROM recordings WHERE session = $2 AND state = 'live')
                    RETURNING recording_id, role, key_id, wrapped
                    """, [.texts(revokeRoles), .text(session)], PostgresCatalog.wrapRow)
            }
            try await applyDueUpdates(dueUpdates, in: tx)
            var entry = audit
            entry.detail = [audit.detail, "\(removed.count) wraps revoked"].compactMap { $0 }.joined(separator: "; ")
            try await tx.appendAudit(entry)
            return removed
        }
    }

    public func updateDueDates(_ updates: [DueDateUpdate], patient: PatientRecord?, audit: AuditDraft) async throws(CatalogError) {
        try await transaction { (tx) throws(CatalogError) in
            if let patient { try await Self.upsertPatient(patient, on: tx.connection) }
            try await applyDueUpdates(updates, in: tx)
            try await tx.appendAudit(audit)
        }
    }

    func applyDueUpdates(_ updates: [DueDateUpdate], in tx: PGTransaction) async throws(CatalogError) {
        for update in updates {
            // An officer's extension holds against every recomputation, even one computed before the
            // extension committed: a due date is never set before the latest extension's end.
            try await tx.run("""
                UPDATE recordings SET due_on = CASE WHEN $1::text IS NULL THEN NULL
                        ELSE GREATEST($1::text, (SELECT max(until_on) FROM retention_extensions WHERE recording_id = $4)) END,
                    disposition = $2, retention_rule = $3
                WHERE id = $4 AND state = 'live'
                """, [.optional(update.dueOn), .optional(update.disposition), .optional(update.rule), .bytes(update.recording.bytes)])
            // A new due date supersedes any queued review of the old one.
            try await tx.run("DELETE FROM dispositions WHERE recording_id = $1 AND status = 'pending'", [.bytes(update.recording.bytes)])
        }
    }

    // MARK: - Holds

    public func placeHold(_ hold: HoldRecord, audit: AuditDraft) async throws(CatalogError) -> Int64 {
        try await transaction { (tx) throws(CatalogError) -> Int64 in
            if let recording = hold.recording {
                // FOR SHARE: a concurrent beginDisposal of this recording either committed (we see it is no
                // longer live) or waits for us and then sees the hold.
                let state = try await tx.lockRecordings([recording], mode: "FOR SHARE")[recording]
                guard let state, state != RecordingState.staging.rawValue else { throw .notFound(what: "recording", id: recording.description) }
                guard state == RecordingState.live.rawValue else {
                    throw .invalidState(recording: recording.description, expected: "live", found: state)
                }
            }
            if let patient = hold.patient {
                // The same for every live recording of the patient.
                try await tx.run("SELECT id FROM recordings WHERE patient = $1 AND state = 'live' ORDER BY id FOR SHARE", [.text(patient)])
            }
            let id = try await tx.queryOne("""
                INSERT INTO holds (recording_id, patient, reason, case_ref, placed_by, placed_at_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
                """, [.optional(hold.recording?.bytes), .optional(hold.patient), .text(hold.reason), .text(hold.caseRef),
                      .text(hold.placedBy), .int(millis(hold.placedAt))]) { row throws(CatalogError) in try row.int(0) }
            guard let id else { throw .backend(message: "INSERT INTO holds returned no id") }
            var entry = audit
            entry.detail = [audit.detail, "hold \(id)"].compactMap { $0 }.joined(separator: "; ")
            try await tx.appendAudit(entry)
            return id
        }
    }

    public func releaseHold(_ id: Int64, by: String, at: Date, audit: AuditDraft) async throws(CatalogError) {
        try await transaction { (tx) throws(CatalogError) in
            let changed = try await tx.changes("""
                UPDATE holds SET released_by = $1, released_at_ms = $2 WHERE id = $3 AND released_at_ms IS NULL RETURNING 1
                """, [.text(by), .int(millis(at)), .int(id)])
            guard changed == 1 else { throw .notFound(what: "active hold", id: String(id)) }
            try await tx.appendAudit(audit)
        }
    }

    public func holds(includeReleased: Bool) async throws(CatalogError) -> [HoldRecord] {
        try await query("""
            SELECT id, recording_id, patient, reason, case_ref, placed_by, placed_at_ms, released_by, released_at_ms FROM holds
            \(includeReleased ? "" : "WHERE released_at_ms IS NULL") ORDER BY id
            """) { row throws(CatalogError) in
            HoldRecord(id: try row.int(0), recording: try row.optionalBlob(1).map { (b) throws(CatalogError) in try RecordingID(bytes: b) },
                       patient: try row.optionalText(2), reason: try row.text(3), caseRef: try row.text(4), placedBy: try row.text(5),
                       placedAt: date(try row.int(6)), releasedBy: try row.optionalText(7), releasedAt: try row.optionalInt(8).map(date))
        }
    }

    public func isHeld(_ id: RecordingID) async throws(CatalogError) -> Bool {
        try await queryOne("SELECT \(Self.heldClause) FROM recordings r WHERE r.id = $1", [.bytes(id.bytes)]) { row throws(CatalogError) in
            try row.bool(0)
        } ?? false
    }

    // MARK: - Sweeping

    public func dueSummary(on today: String) async throws(CatalogError) -> [DueSummary] {
        try await query("""
            SELECT r.class, coalesce(r.disposition, 'destroy'), count(*), count(*) FILTER (WHERE \(Self.heldClause))
            FROM recordings r WHERE r.state = 'live' AND r.due_on IS NOT NULL AND r.due_on <= $1
            GROUP BY 1, 2 ORDER BY 1, 2
            """, [.text(today)]) { row throws(CatalogError) in
            DueSummary(retentionClass: try row.text(0), disposition: try row.text(1), count: Int(try row.int(2)), held: Int(try row.int(3)))
        }
    }

    public func destroyable(on today: String, limit: Int) async throws(CatalogError) -> [RecordingRecord] {
        try await query("""
            SELECT \(Self.recordingColumnsR) FROM recordings r
            WHERE r.state = 'live' AND r.due_on IS NOT NULL AND r.due_on <= $1
              AND (coalesce(r.disposition, 'destroy') = 'destroy'
                   OR EXISTS (SELECT 1 FROM dispositions d WHERE d.recording_id = r.id AND d.status = 'approved'))
              AND NOT \(Self.heldClause)
            ORDER BY r.due_on, r.id LIMIT $2
            """, [.text(today), .int(Int64(max(0, limit)))], Self.recordingRow)
    }

    public func queueReviews(on today: String, at: Date, limit: Int) async throws(CatalogError) -> Int {
        try await transaction { (tx) throws(CatalogError) -> Int in
            // ON CONFLICT: another node queueing the same review at the same moment is not an error.
            try await tx.changes("""
                INSERT INTO dispositions (recording_id, status, due_on, rule, queued_at_ms)
                SELECT r.id, 'pending', r.due_on, r.retention_rule, $1 FROM recordings r
                WHERE r.state = 'live' AND r.due_on IS NOT NULL AND r.due_on <= $2 AND r.disposition = 'review'
                  AND NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.recording_id = r.id)
                  AND NOT \(Self.heldClause)
                ORDER BY r.due_on, r.id LIMIT $3
                ON CONFLICT (recording_id) DO NOTHING
                RETURNING 1
                """, [.int(millis(at)), .text(today), .int(Int64(max(0, limit)))])
        }
    }

    public func startDisposal(_ items: [(id: RecordingID, authorisedBy: String)], at: Date, actor: String) async throws(CatalogError) -> DisposalStart {
        guard !items.isEmpty else { return DisposalStart() }
        return try await transaction { (tx) throws(CatalogError) -> DisposalStart in
            // Lock every recording first (id order), then decide in later statements: a recording that another
            // node is disposing (or holding) right now is seen in the state that node commits.
            let states = try await tx.lockRecordings(items.map(\.id), mode: "FOR UPDATE")
            var candidates: [(id: RecordingID, authorisedBy: String)] = []
            var seen = Set<RecordingID>()
            for item in items where states[item.id] == RecordingState.live.rawValue && seen.insert(item.id).inserted {
                candidates.append(item)
            }
            guard !candidates.isEmpty else { return DisposalStart() }
            let marked = Set(try await tx.query("""
                UPDATE recordings r SET state = 'disposing', disposal_started_ms = $1, disposal_authorised_by = v.authorised_by
                FROM unnest($2::text[], $3::text[]) AS v(recording_hex, authorised_by)
                WHERE r.id = decode(v.recording_hex, 'hex') AND r.state = 'live' AND NOT \(Self.heldClause)
                RETURNING r.id
                """, [.int(millis(at)), .hex(candidates.map(\.id.bytes)), .texts(candidates.map(\.authorisedBy))]) { row throws(CatalogError) in
                try RecordingID(bytes: row.blob(0))
            })
            let started = candidates.filter { marked.contains($0.id) }
            guard !started.isEmpty else { return DisposalStart() }
            // Crypto-shredding: every wrap of every started recording.
            let shredded = try await tx.query("""
                DELETE FROM wraps WHERE recording_id IN (SELECT decode(h, 'hex') FROM unnest($1::text[]) AS h)
                RETURNING recording_id, role, key_id, wrapped
                """, [.hex(started.map(\.id.bytes))], PostgresCatalog.wrapRow)
            try await tx.appendAudit(started.map { item in
                AuditDraft(actor: actor, action: .destroyShred, target: item.id.description,
                           detail: "every wrap deleted; authorised by \(item.authorisedBy)")
            })
            return DisposalStart(started: started.map(\.id), shreddedWraps: shredded)
        }
    }

    public func disposing(after: RecordingID?, limit: Int) async throws(CatalogError) -> [RecordingRecord] {
        try await query("SELECT \(Self.recordingColumns) FROM recordings WHERE state = 'disposing' AND id > $1 ORDER BY id LIMIT $2",
                        [.bytes(after?.bytes ?? []), .int(Int64(max(0, limit)))], Self.recordingRow)
    }

    public func finishDisposal(_ records: [DestructionRecord], actor: String) async throws(CatalogError) {
        guard !records.isEmpty else { return }
        try await transaction { (tx) throws(CatalogError) in
            let states = try await tx.lockRecordings(records.map(\.recording), mode: "FOR UPDATE")
            var finished = Set<RecordingID>()
            for record in records {
                // The same recording twice is, as on SQLite, found destroyed the second time.
                let state = finished.contains(record.recording) ? RecordingState.destroyed.rawValue : states[record.recording]
                guard state == RecordingState.disposing.rawValue else {
                    throw .invalidState(recording: record.recording.description, expected: "disposing", found: state ?? "missing")
                }
                finished.insert(record.recording)
            }
            try await tx.connection.insert(
                into: "destructions",
                columns: ["recording_id", "patient", "class", "rule", "due_on", "authorised_by", "started_at_ms", "destroyed_at_ms",
                          "chunk_count", "byte_count", "digest_root", "as_of", "schedule", "method", "reason"],
                rows: records.map { record in
                    [.bytes(record.recording.bytes), .optional(record.patient), .text(record.retentionClass), .optional(record.rule),
                     .optional(record.dueOn), .text(record.authorisedBy), .int(millis(record.startedAt)), .int(millis(record.destroyedAt)),
                     .int(Int64(record.chunkCount)), .int(record.byteCount), .text(record.digestRoot), .optional(record.asOf),
                     .optional(record.schedule), .optional(record.method), .optional(record.reason)]
                })
            let ids = PGValue.hex(records.map(\.recording.bytes))
            let inList = "IN (SELECT decode(h, 'hex') FROM unnest($1::text[]) AS h)"
            try await tx.run("DELETE FROM chunks WHERE recording_id \(inList)", [ids])
            try await tx.run("DELETE FROM wraps WHERE recording_id \(inList)", [ids])
            try await tx.run("DELETE FROM dispositions WHERE recording_id \(inList)", [ids])
            try await tx.run("""
                UPDATE recordings SET state = 'destroyed', manifest = NULL, manifest_tag = NULL, media_facts = NULL, due_on = NULL
                WHERE id \(inList)
                """, [ids])
            try await tx.appendAudit(records.map { record in
                AuditDraft(actor: actor, action: .destroy, target: record.recording.description,
                           detail: "class \(record.retentionClass), \(record.chunkCount) chunks, rule \(record.rule ?? "-")"
                               + (record.asOf.map { ", as of \($0)" } ?? ""))
            })
        }
    }

    public func destructionRecords(since: Date?, limit: Int) async throws(CatalogError) -> [DestructionRecord] {
        try await query("""
            SELECT recording_id, patient, class, rule, due_on, authorised_by, started_at_ms, destroyed_at_ms, chunk_count, byte_count, digest_root, as_of,
                schedule, method, reason
            FROM destructions WHERE destroyed_at_ms >= $1 ORDER BY destroyed_at_ms, recording_id LIMIT $2
            """, [.int(since.map(millis) ?? 0), .int(Int64(max(0, limit)))]) { row throws(CatalogError) in
            DestructionRecord(recording: try RecordingID(bytes: row.blob(0)), patient: try row.optionalText(1), retentionClass: try row.text(2),
                              rule: try row.optionalText(3), dueOn: try row.optionalText(4), authorisedBy: try row.text(5),
                              startedAt: date(try row.int(6)), destroyedAt: date(try row.int(7)), chunkCount: Int(try row.int(8)),
                              byteCount: try row.int(9), digestRoot: try row.text(10), asOf: try row.optionalText(11),
                              schedule: try row.optionalText(12), method: try row.optionalText(13), reason: try row.optionalText(14))
        }
    }

    public func dispositions(status: DispositionRecord.Status?) async throws(CatalogError) -> [DispositionRecord] {
        try await query("""
            SELECT recording_id, status, due_on, rule, queued_at_ms, decided_by, decided_at_ms, extended_until, reason, signature FROM dispositions
            \(status == nil ? "" : "WHERE status = $1") ORDER BY due_on, recording_id
            """, status.map { [.text($0.rawValue)] } ?? []) { row throws(CatalogError) in
            DispositionRecord(recording: try RecordingID(bytes: row.blob(0)),
                              status: DispositionRecord.Status(rawValue: try row.text(1)) ?? .pending,
                              dueOn: try row.text(2), rule: try row.optionalText(3), queuedAt: date(try row.int(4)),
                              decidedBy: try row.optionalText(5), decidedAt: try row.optionalInt(6).map(date),
                              extendedUntil: try row.optionalText(7), reason: try row.optionalText(8),
                              signature: try row.optionalBlob(9))
        }
    }

    public func reopenDisposition(_ id: RecordingID, audit: AuditDraft) async throws(CatalogError) {
        try await transaction { (tx) throws(CatalogError) in
            try await tx.run("""
                UPDATE dispositions SET status = 'pending', decided_by = NULL, decided_at_ms = NULL, reason = NULL, signature = NULL
                WHERE recording_id = $1 AND status = 'approved'
                """, [.bytes(id.bytes)])
            try await tx.appendAudit(audit)
        }
    }

    public func decideDisposition(_ id: RecordingID, approve: Bool, extendUntil: String?, reason: String?, by: String, at: Date,
                                  signature: [UInt8]?, audit: AuditDraft) async throws(CatalogError) {
        try await transaction { (tx) throws(CatalogError) in
            let status = try await tx.queryOne("SELECT status FROM dispositions WHERE recording_id = $1 FOR UPDATE", [.bytes(id.bytes)]) {
                row throws(CatalogError) in try row.text(0)
            }
            guard status == DispositionRecord.Status.pending.rawValue else {
                throw .invalidState(recording: id.description, expected: "pending review", found: status ?? "not queued for review")
            }
            try await tx.run("""
                UPDATE dispositions SET status = $1, decided_by = $2, decided_at_ms = $3, extended_until = $4, reason = $5, signature = $7
                WHERE recording_id = $6
                """, [.text(approve ? "approved" : "extended"), .text(by), .int(millis(at)), .optional(extendUntil), .optional(reason),
                      .bytes(id.bytes), signature.map { .bytes($0) } ?? .null])
            if !approve, let extendUntil {
                try await tx.run("UPDATE recordings SET due_on = $1 WHERE id = $2 AND state = 'live'", [.text(extendUntil), .bytes(id.bytes)])
                // The extension stays as a decision that later recomputations honour; the review is
                // history, and the recording can be queued again when the new date comes.
                try await tx.run("""
                    INSERT INTO retention_extensions (recording_id, until_on, reason, decided_by, decided_at_ms, signature)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    """, [.bytes(id.bytes), .text(extendUntil), .text(reason ?? ""), .text(by), .int(millis(at)), signature.map { .bytes($0) } ?? .null])
                try await tx.run("DELETE FROM dispositions WHERE recording_id = $1", [.bytes(id.bytes)])
            }
            try await tx.appendAudit(audit)
        }
    }

    public func retentionExtensions(of id: RecordingID) async throws(CatalogError) -> [RetentionExtension] {
        try await query("""
            SELECT id, until_on, reason, decided_by, decided_at_ms, signature FROM retention_extensions WHERE recording_id = $1 ORDER BY id
            """, [.bytes(id.bytes)]) { row throws(CatalogError) in
            RetentionExtension(id: try row.int(0), recording: id, untilOn: try row.text(1), reason: try row.text(2), decidedBy: try row.text(3),
                               decidedAt: date(try row.int(4)), signature: try row.optionalBlob(5))
        }
    }

    // MARK: - Consistency (fsck)

    public func liveRecordingsWithoutWraps(limit: Int) async throws(CatalogError) -> [RecordingID] {
        try await query("""
            SELECT r.id FROM recordings r WHERE r.state = 'live' AND NOT EXISTS (SELECT 1 FROM wraps w WHERE w.recording_id = r.id)
            ORDER BY r.id LIMIT $1
            """, [.int(Int64(max(0, limit)))]) { row throws(CatalogError) in try RecordingID(bytes: row.blob(0)) }
    }

    public func wrapsOfRecordingsNotLive(limit: Int) async throws(CatalogError) -> [WrapRecord] {
        try await query("""
            SELECT w.recording_id, w.role, w.key_id, w.wrapped FROM wraps w JOIN recordings r ON r.id = w.recording_id
            WHERE r.state <> 'live' AND r.state <> 'staging' ORDER BY w.recording_id, w.role LIMIT $1
            """, [.int(Int64(max(0, limit)))], Self.wrapRow)
    }

    public func deleteWrapsOfRecordingsNotLive(audit: AuditDraft) async throws(CatalogError) -> Int {
        try await transaction { (tx) throws(CatalogError) -> Int in
            let removed = try await tx.queryOne("""
                WITH d AS (DELETE FROM wraps WHERE recording_id IN (SELECT id FROM recordings WHERE state <> 'live' AND state <> 'staging')
                           RETURNING 1)
                SELECT count(*) FROM d
                """) { row throws(CatalogError) in Int(try row.int(0)) } ?? 0
            if removed > 0 { try await tx.appendAudit(audit) }
            return removed
        }
    }
}
