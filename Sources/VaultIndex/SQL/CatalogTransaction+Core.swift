import Foundation

// The schema, metadata, roles, wraps, patients and consent: the ``Catalog`` methods of the same names.
extension CatalogTransaction {
    /// Applies the first pending migration, recording it in `schema_migrations`; false when none is
    /// pending. A schema newer than this program knows is refused.
    nonisolated(nonsending) func applyNextMigration() async throws(CatalogError) -> Bool {
        // Two nodes starting at once: the second waits here, then sees the first's work.
        try await session.take(.migrations)
        let t = SQLDialect.DDL(backend: dialect.backend)
        try await run("CREATE TABLE IF NOT EXISTS schema_migrations (version \(t.integer) PRIMARY KEY, name \(t.text) NOT NULL, applied_at_ms \(t.integer) NOT NULL)")
        let current = try await schemaVersion()
        guard current <= CatalogMigrations.latestVersion else {
            throw .schemaTooNew(found: current, supported: CatalogMigrations.latestVersion)
        }
        guard current < CatalogMigrations.latestVersion else { return false }
        let migration = CatalogMigrations.all[current]
        do throws(CatalogError) {
            try await session.apply(migration)
            try await run("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)",
                          [.integer(Int64(current + 1)), .text(migration.name), .millis(clock())])
        } catch {
            // A serialization failure is the transaction's, not the migration's: it runs again whole.
            if error.isRetryable { throw error }
            throw .migrationFailed(name: migration.name, message: error.description)
        }
        return true
    }

    nonisolated(nonsending) func schemaVersion() async throws(CatalogError) -> Int {
        guard try await queryOne(dialect.tableExists("schema_migrations"), [], { row throws(CatalogError) in try row.bool(0) }) == true else { return 0 }
        return Int(try await queryOne("SELECT coalesce(max(version), 0) FROM schema_migrations") { row throws(CatalogError) in try row.int(0) } ?? 0)
    }

    nonisolated(nonsending) func meta(_ key: String) async throws(CatalogError) -> String? {
        try await queryOne("SELECT value FROM vault_meta WHERE key = ?", [.text(key)]) { row throws(CatalogError) in try row.text(0) }
    }

    nonisolated(nonsending) func setMeta(_ key: String, _ value: String) async throws(CatalogError) {
        try await run("INSERT INTO vault_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                      [.text(key), .text(value)])
    }

    // MARK: - Roles

    nonisolated(nonsending) func addRole(_ role: RoleRecord, audit: AuditDraft) async throws(CatalogError) {
        try await changeOne("""
            INSERT INTO roles (name, public_key, key_id, created_at_ms) VALUES (?, ?, ?, ?)
            ON CONFLICT (name) DO NOTHING RETURNING 1
            """, [.text(role.name), .blob(role.publicKey), .text(role.keyID), .millis(role.createdAt)], or: .alreadyExists(what: "role", id: role.name))
        try await appendAudit(audit)
    }

    nonisolated(nonsending) func role(named name: String) async throws(CatalogError) -> RoleRecord? {
        try await queryOne("SELECT \(CatalogRows.role) FROM roles WHERE name = ?", [.text(name)], CatalogRows.role)
    }

    nonisolated(nonsending) func roles() async throws(CatalogError) -> [RoleRecord] {
        try await query("SELECT \(CatalogRows.role) FROM roles ORDER BY name", [], CatalogRows.role)
    }

    nonisolated(nonsending) func setRoleKey(_ name: String, publicKey: [UInt8], keyID: String, audit: AuditDraft) async throws(CatalogError) {
        try await changeOne("UPDATE roles SET public_key = ?, key_id = ? WHERE name = ? RETURNING 1",
                            [.blob(publicKey), .text(keyID), .text(name)], or: .notFound(what: "role", id: name))
        try await appendAudit(audit)
    }

    // MARK: - Wraps

    nonisolated(nonsending) func wrapsToRotate(role: String, notKeyID keyID: String, limit: Int) async throws(CatalogError) -> [WrapRecord] {
        try await query("SELECT \(CatalogRows.wrap) FROM wraps WHERE role = ? AND key_id <> ? ORDER BY recording_id LIMIT ?",
                        [.text(role), .text(keyID), .integer(Int64(max(0, limit)))], CatalogRows.wrap)
    }

    nonisolated(nonsending) func wraps(after: (recording: RecordingID, role: String)?, limit: Int) async throws(CatalogError) -> [WrapRecord] {
        let keyset: [SQLValue] = after.map { [.blob($0.recording.bytes), .text($0.role)] } ?? []
        return try await query("SELECT \(CatalogRows.wrap) FROM wraps \(after == nil ? "" : "WHERE (recording_id, role) > (?, ?)") ORDER BY recording_id, role LIMIT ?",
                               keyset + [.integer(Int64(max(0, limit)))], CatalogRows.wrap)
    }

    nonisolated(nonsending) func replaceWraps(_ wraps: [WrapRecord]) async throws(CatalogError) -> Int {
        guard !wraps.isEmpty else { return 0 }
        // Hold the recordings (FOR SHARE: a concurrent beginDisposal waits, or has committed and is
        // seen as not live by the update below).
        try await lockRecordings(wraps.map(\.recording), .share)
        let live = "EXISTS (SELECT 1 FROM recordings r WHERE r.id = wraps.recording_id AND r.state = 'live')"
        guard Set(wraps.map { "\($0.recording.compactHex)/\($0.role)" }).count == wraps.count else {
            // The same wrap twice: one update each, in order.
            var replaced = 0
            for wrap in wraps {
                replaced += try await changes("UPDATE wraps SET key_id = ?, wrapped = ? WHERE recording_id = ? AND role = ? AND \(live) RETURNING 1",
                                              [.text(wrap.keyID), .blob(wrap.wrapped), .blob(wrap.recording.bytes), .text(wrap.role)])
            }
            return replaced
        }
        // One statement per 1,000 wraps (a VALUES list's columns are column1... on both backends).
        var replaced = 0
        for start in stride(from: 0, to: wraps.count, by: 1000) {
            let batch = wraps[start..<min(wraps.count, start + 1000)]
            replaced += try await changes("""
                UPDATE wraps SET key_id = v.column3, wrapped = v.column4
                FROM (VALUES \(Array(repeating: "(?, ?, ?, ?)", count: batch.count).joined(separator: ", "))) AS v
                WHERE wraps.recording_id = v.column1 AND wraps.role = v.column2 AND \(live) RETURNING 1
                """, batch.flatMap { wrap -> [SQLValue] in [.blob(wrap.recording.bytes), .text(wrap.role), .text(wrap.keyID), .blob(wrap.wrapped)] })
        }
        return replaced
    }

    nonisolated(nonsending) func keyIDsInUse(role: String) async throws(CatalogError) -> Set<String> {
        Set(try await query("SELECT DISTINCT key_id FROM wraps WHERE role = ?", [.text(role)]) { row throws(CatalogError) in try row.text(0) })
    }

    // MARK: - Patients and consent

    nonisolated(nonsending) func upsertPatient(_ patient: PatientRecord) async throws(CatalogError) {
        try await run("""
            INSERT INTO patients (pseudonym, identifier_sealed, last_contact, discharged, died, born_month) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (pseudonym) DO UPDATE SET last_contact = excluded.last_contact,
                discharged = excluded.discharged, died = excluded.died, born_month = excluded.born_month
            """, [.text(patient.pseudonym), .blob(patient.identifierSealed), .optional(patient.lastContact),
                  .optional(patient.discharged), .optional(patient.died), .optional(patient.bornMonth)])
    }

    nonisolated(nonsending) func patient(_ pseudonym: String) async throws(CatalogError) -> PatientRecord? {
        try await queryOne("SELECT pseudonym, identifier_sealed, last_contact, discharged, died, born_month FROM patients WHERE pseudonym = ?",
                           [.text(pseudonym)]) { row throws(CatalogError) in
            let column = ColumnReader(row: row, table: "patients", id: String(try row.text(0).prefix(16)))
            return PatientRecord(pseudonym: try row.text(0), identifierSealed: try row.blob(1),
                                 lastContact: try column.optionalCivilDate(2, "last_contact"), discharged: try column.optionalCivilDate(3, "discharged"),
                                 died: try column.optionalCivilDate(4, "died"), bornMonth: try row.optionalText(5))
        }
    }

    nonisolated(nonsending) func changeConsent(_ change: ConsentChange) async throws(CatalogError) -> Int {
        // One session's consents are decided one transaction at a time (its patient, its active scopes).
        for session in Set(change.added.map(\.session)).sorted() { try await self.session.take(.consents(session: session)) }
        for var consent in change.added {
            let existing = try await queryOne("SELECT patient FROM consents WHERE session = ? LIMIT 1", [.text(consent.session)]) {
                row throws(CatalogError) in try row.text(0)
            }
            if let existing, existing != consent.patient {
                throw .invalidState(recording: "session \(consent.session)", expected: "consent for the session's own patient",
                                    found: "consent for a different patient")
            }
            if let renewedOn = change.renewedOn {
                let active = try await queryOne("""
                    UPDATE consents SET superseded_on = ?
                    WHERE session = ? AND scope = ? AND withdrawn_on IS NULL AND superseded_on IS NULL RETURNING id
                    """, [.date(renewedOn), .text(consent.session), .text(consent.scope)]) { row throws(CatalogError) in try row.int(0) }
                guard let active else { throw .notFound(what: "active consent scope '\(consent.scope)' of session", id: consent.session) }
                consent.renews = active
            }
            do throws(CatalogError) {
                try await run("""
                    INSERT INTO consents (session, patient, scope, evidence_sealed, given_on, recorded_at_ms, other_participants, renews_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.text(consent.session), .text(consent.patient), .text(consent.scope), .optional(consent.evidenceSealed),
                          .date(consent.givenOn), .millis(consent.recordedAt), .bool(consent.otherParticipants), .optional(consent.renews)])
            } catch {
                if case .constraint = error {
                    throw .alreadyExists(what: "active consent scope '\(consent.scope)' for session", id: consent.session)
                }
                throw error
            }
        }
        if let seal = change.seal {
            for session in Set(change.added.map(\.session)).sorted() { try await storeSeal(seal, of: session) }
        }
        var added = 0
        if !change.wraps.isEmpty {
            // FOR SHARE: a concurrent beginDisposal either committed (not live: skipped) or waits for us.
            try await lockRecordings(change.wraps.map(\.recording), .share)
            for wrap in change.wraps {
                added += try await changes("""
                    INSERT INTO wraps (recording_id, role, key_id, wrapped)
                    SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM recordings WHERE id = ? AND state = 'live')
                    ON CONFLICT (recording_id, role) DO NOTHING RETURNING 1
                    """, [.blob(wrap.recording.bytes), .text(wrap.role), .text(wrap.keyID), .blob(wrap.wrapped), .blob(wrap.recording.bytes)])
            }
        }
        try await applyDueUpdates(change.dueUpdates)
        try await appendAudit(change.audit, note: change.wraps.isEmpty ? nil : "\(added) wraps added")
        return added
    }

    nonisolated(nonsending) func consents(session: String) async throws(CatalogError) -> [ConsentRecord] {
        try await query("""
            SELECT id, session, patient, scope, evidence_sealed, given_on, recorded_at_ms, withdrawn_on, withdrawal_recorded_at_ms,
                other_participants, superseded_on, renews_id
            FROM consents WHERE session = ? ORDER BY id
            """, [.text(session)]) { row throws(CatalogError) in
            let column = ColumnReader(row: row, table: "consents", id: String(try row.int(0)))
            return ConsentRecord(id: try row.int(0), session: try row.text(1), patient: try row.text(2), scope: try row.text(3),
                                 evidenceSealed: try row.optionalBlob(4), givenOn: try column.civilDate(5, "given_on"), recordedAt: try row.date(6),
                                 withdrawnOn: try column.optionalCivilDate(7, "withdrawn_on"), withdrawalRecordedAt: try row.optionalDate(8),
                                 otherParticipants: try row.bool(9), supersededOn: try column.optionalCivilDate(10, "superseded_on"),
                                 renews: try row.optionalInt(11))
        }
    }
}
