import Foundation

// Recordings, their chunks and wraps, and the audit trail: the ``Catalog`` methods of the same names.
extension CatalogTransaction {
    nonisolated(nonsending) func beginStaging(_ staging: StagingRecord) async throws(CatalogError) {
        try await run("""
            INSERT INTO recordings (id, state, session, clinician, class, created_at_ms, staging_pid, staging_host)
            VALUES (?, 'staging', ?, ?, ?, ?, ?, ?)
            """, [.blob(staging.id.bytes), .text(staging.session), .text(staging.clinician), .text(staging.retentionClass),
                  .millis(staging.startedAt), .integer(Int64(staging.processID)), .text(staging.host)])
    }

    nonisolated(nonsending) func stagingRecords() async throws(CatalogError) -> [StagingRecord] {
        try await query("""
            SELECT id, session, clinician, class, created_at_ms, staging_pid, staging_host FROM recordings
            WHERE state = 'staging' ORDER BY created_at_ms, id
            """) { row throws(CatalogError) in
            StagingRecord(id: try row.recordingID(0), session: try row.text(1), clinician: try row.text(2), retentionClass: try row.text(3),
                          startedAt: try row.date(4), processID: Int32(truncatingIfNeeded: try row.int(5)), host: try row.text(6))
        }
    }

    nonisolated(nonsending) func discardStaging(_ id: RecordingID, audit: AuditDraft) async throws(CatalogError) {
        let state = try await lockRecordings([id], .update)[id]
        guard state == RecordingState.staging.rawValue else { throw .notFound(what: "staging recording", id: id.description) }
        try await run("DELETE FROM chunks WHERE recording_id = ?", [.blob(id.bytes)])
        try await run("DELETE FROM wraps WHERE recording_id = ?", [.blob(id.bytes)])
        try await run("DELETE FROM recordings WHERE id = ?", [.blob(id.bytes)])
        try await appendAudit(audit)
    }

    nonisolated(nonsending) func commitRecording(_ recording: RecordingRecord, chunks: [ChunkRecord], wraps: [WrapRecord],
                                                 consentedScopes: [String]?, audit: AuditDraft) async throws(CatalogError) {
        if let consentedScopes {
            // The session's consent lock (as changeConsent and withdrawConsent take it): no
            // withdrawal commits between this check and this commit, so none misses its wraps.
            try await session.take(.consents(session: recording.session))
            let active = try await query(
                "SELECT DISTINCT scope FROM consents WHERE session = ? AND withdrawn_on IS NULL AND superseded_on IS NULL ORDER BY scope",
                [.text(recording.session)]) { row throws(CatalogError) in try row.text(0) }
            let expected = Array(Set(consentedScopes)).sorted()
            guard active == expected else { throw .consentChanged(session: recording.session, expected: expected, found: active) }
        }
        let id = SQLValue.blob(recording.id.bytes)
        guard let state = try await lockRecordings([recording.id], .update)[recording.id] else {
            throw .notFound(what: "staging recording", id: recording.id.description)
        }
        guard state == RecordingState.staging.rawValue else {
            throw .invalidState(recording: recording.id.description, expected: "staging", found: state)
        }
        try await run("""
            UPDATE recordings SET state = 'live', session = ?, patient = ?, clinician = ?, class = ?, media_type = ?,
                byte_count = ?, chunk_size = ?, chunk_count = ?, algorithm = ?, manifest = ?, manifest_tag = ?,
                created_at_ms = ?, captured_on = ?, due_on = ?, disposition = ?, retention_rule = ?, source_id = ?,
                media_facts = ?, staging_pid = NULL, staging_host = NULL
            WHERE id = ?
            """, [.text(recording.session), .text(recording.patient), .text(recording.clinician), .text(recording.retentionClass),
                  .text(recording.mediaType), .integer(recording.byteCount), .integer(Int64(recording.chunkSize)),
                  .integer(Int64(recording.chunkCount)), .algorithm(recording.algorithm), .blob(recording.manifest),
                  .blob(recording.manifestTag), .millis(recording.createdAt), .date(recording.capturedOn),
                  .optional(recording.dueOn), .optional(recording.disposition), .optional(recording.retentionRule),
                  .optional(recording.sourceID?.bytes), try .optional(recording.mediaFacts), id])
        try await session.insert(into: "chunks", columns: ["recording_id", "idx", "sealed_size", "digest"], rows: chunks.map { chunk in
            [id, .integer(Int64(chunk.index)), .integer(Int64(chunk.sealedSize)), .blob(chunk.digest)]
        })
        try await session.insert(into: "wraps", columns: ["recording_id", "role", "key_id", "wrapped"], rows: wraps.map { wrap in
            [id, .text(wrap.role), .text(wrap.keyID), .blob(wrap.wrapped)]
        })
        try await appendAudit(audit)
    }

    nonisolated(nonsending) func replaceChunks(of id: RecordingID, expectedManifestTag: [UInt8], manifest: [UInt8], manifestTag: [UInt8],
                                               chunks: [ChunkRecord], audit: AuditDraft) async throws(CatalogError) {
        guard let state = try await lockRecordings([id], .update)[id] else { throw .notFound(what: "recording", id: id.description) }
        guard state == RecordingState.live.rawValue else {
            throw .invalidState(recording: id.description, expected: RecordingState.live.rawValue, found: state)
        }
        // A hold placed since the caller looked may already have locked the current blobs: the
        // new ones would not be, so the switch is refused (the hold's own transaction takes the same row lock).
        if try await isHeld(id) { throw .invalidState(recording: id.description, expected: "not held", found: "held") }
        try await changeOne("UPDATE recordings SET manifest = ?, manifest_tag = ? WHERE id = ? AND manifest_tag = ? RETURNING 1",
                            [.blob(manifest), .blob(manifestTag), .blob(id.bytes), .blob(expectedManifestTag)],
                            or: .changedConcurrently(what: "recording", id: id.description))
        try await run("DELETE FROM chunks WHERE recording_id = ?", [.blob(id.bytes)])
        try await session.insert(into: "chunks", columns: ["recording_id", "idx", "sealed_size", "digest"], rows: chunks.map { chunk in
            [.blob(id.bytes), .integer(Int64(chunk.index)), .integer(Int64(chunk.sealedSize)), .blob(chunk.digest)]
        })
        try await appendAudit(audit)
    }

    nonisolated(nonsending) func recording(_ id: RecordingID) async throws(CatalogError) -> RecordingRecord? {
        try await queryOne("SELECT \(CatalogRows.recording) FROM recordings WHERE id = ? AND state <> 'staging'", [.blob(id.bytes)],
                           CatalogRows.recording)
    }

    nonisolated(nonsending) func recordings(_ filter: RecordingFilter) async throws(CatalogError) -> [RecordingRecord] {
        let states = filter.states.map(\.rawValue).sorted()
        var clauses = ["state IN \(SQLDialect.placeholders(states.count))"]
        var values: [SQLValue] = states.map { .text($0) }
        if let patient = filter.patient { clauses.append("patient = ?"); values.append(.text(patient)) }
        if let clinician = filter.clinician { clauses.append("clinician = ?"); values.append(.text(clinician)) }
        if let session = filter.session { clauses.append("session = ?"); values.append(.text(session)) }
        if let source = filter.source { clauses.append("source_id = ?"); values.append(.blob(source.bytes)) }
        if filter.dueUndetermined { clauses.append("due_on IS NULL") }
        if let retentionClass = filter.retentionClass { clauses.append("class = ?"); values.append(.text(retentionClass)) }
        if let since = filter.since { clauses.append("created_at_ms >= ?"); values.append(.millis(since)) }
        if let until = filter.until { clauses.append("created_at_ms < ?"); values.append(.millis(until)) }
        if let after = filter.after { clauses.append("id > ?"); values.append(.blob(after.bytes)) }
        let order = filter.after == nil ? "created_at_ms, id" : "id"
        var sql = "SELECT \(CatalogRows.recording) FROM recordings WHERE \(clauses.joined(separator: " AND ")) ORDER BY \(order)"
        if let limit = filter.limit { sql += " LIMIT \(max(0, limit))" }
        return try await query(sql, values, CatalogRows.recording)
    }

    nonisolated(nonsending) func chunks(of id: RecordingID, in range: Range<Int>) async throws(CatalogError) -> [ChunkRecord] {
        try await query("SELECT idx, sealed_size, digest FROM chunks WHERE recording_id = ? AND idx >= ? AND idx < ? ORDER BY idx",
                        [.blob(id.bytes), .integer(Int64(range.lowerBound)), .integer(Int64(range.upperBound))]) { row throws(CatalogError) in
            ChunkRecord(index: Int(try row.int(0)), sealedSize: Int(try row.int(1)), digest: try row.blob(2))
        }
    }

    nonisolated(nonsending) func wrap(of id: RecordingID, role: String) async throws(CatalogError) -> WrapRecord? {
        try await queryOne("SELECT \(CatalogRows.wrap) FROM wraps WHERE recording_id = ? AND role = ?", [.blob(id.bytes), .text(role)],
                           CatalogRows.wrap)
    }

    nonisolated(nonsending) func wrapRoles(of id: RecordingID) async throws(CatalogError) -> [String] {
        try await query("SELECT role FROM wraps WHERE recording_id = ? ORDER BY role", [.blob(id.bytes)]) { row throws(CatalogError) in
            try row.text(0)
        }
    }

    nonisolated(nonsending) func recordingsWrapped(for role: String, among ids: [RecordingID]) async throws(CatalogError) -> Set<RecordingID> {
        Set(try await query(in: ids.map { .blob($0.bytes) }, { "SELECT recording_id FROM wraps WHERE role = ? AND recording_id IN \($0)" },
                            [.text(role)]) { row throws(CatalogError) in try row.recordingID(0) })
    }

    nonisolated(nonsending) func knownRecordings(among ids: [RecordingID]) async throws(CatalogError) -> Set<RecordingID> {
        Set(try await query(in: ids.map { .blob($0.bytes) }, { "SELECT id FROM recordings WHERE id IN \($0) AND state <> 'destroyed'" }) {
            row throws(CatalogError) in try row.recordingID(0)
        })
    }

    nonisolated(nonsending) func setMediaFacts(_ id: RecordingID, _ facts: MediaFacts) async throws(CatalogError) {
        try await changeOne("UPDATE recordings SET media_facts = ? WHERE id = ? AND state = 'live' RETURNING 1",
                            [try .optional(facts), .blob(id.bytes)], or: .notFound(what: "live recording", id: id.description))
    }

    // MARK: - Audit trail

    nonisolated(nonsending) func auditEntries(after: Int64, limit: Int) async throws(CatalogError) -> [AuditEntry] {
        try await query("SELECT \(CatalogRows.audit) FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                        [.integer(after), .integer(Int64(max(0, limit)))], CatalogRows.audit)
    }

    nonisolated(nonsending) func auditEntries(matching filter: AuditFilter) async throws(CatalogError) -> [AuditEntry] {
        var clauses: [String] = []
        var values: [SQLValue] = []
        if let targets = filter.targets {
            if targets.isEmpty { return [] }
            clauses.append("target IN \(SQLDialect.placeholders(targets.count))")
            values += targets.map { .text($0) }
        }
        if let actor = filter.actor { clauses.append("actor = ?"); values.append(.text(actor)) }
        if let since = filter.since { clauses.append("time_ms >= ?"); values.append(.millis(since)) }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        values.append(.integer(Int64(max(0, filter.limit))))
        return try await query("SELECT \(CatalogRows.audit) FROM audit \(whereClause) ORDER BY seq LIMIT ?", values, CatalogRows.audit)
    }

    nonisolated(nonsending) func auditHead() async throws(CatalogError) -> AuditEntry? {
        try await queryOne("SELECT \(CatalogRows.audit) FROM audit ORDER BY seq DESC LIMIT 1", [], CatalogRows.audit)
    }

    nonisolated(nonsending) func addCheckpoint(_ checkpoint: AuditCheckpoint) async throws(CatalogError) {
        try await run("""
            INSERT INTO audit_checkpoints (seq, head_hash, time_ms, public_key, signature, reason) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (seq) DO UPDATE SET head_hash = excluded.head_hash, time_ms = excluded.time_ms, public_key = excluded.public_key,
                signature = excluded.signature, reason = excluded.reason
            """, [.integer(checkpoint.sequence), .blob(checkpoint.headHash), .integer(checkpoint.timeMillis), .blob(checkpoint.publicKey),
                  .blob(checkpoint.signature), .text(checkpoint.reason)])
    }

    nonisolated(nonsending) func checkpoints() async throws(CatalogError) -> [AuditCheckpoint] {
        try await query("SELECT seq, head_hash, time_ms, public_key, signature, reason FROM audit_checkpoints ORDER BY seq") {
            row throws(CatalogError) in
            AuditCheckpoint(sequence: try row.int(0), headHash: try row.blob(1), timeMillis: try row.int(2), publicKey: try row.blob(3),
                            signature: try row.blob(4), reason: try row.text(5))
        }
    }
}
