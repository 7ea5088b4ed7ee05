public import Foundation

/// The embedded catalog: one SQLite file in WAL mode with `synchronous=FULL`, so a committed
/// transaction survives power loss. Several processes (CLI, server, sweeper) may share the file;
/// writers queue on SQLite's lock with a busy timeout.
public actor SQLiteCatalog: Catalog {
    let db: SQLiteConnection
    let clock: @Sendable () -> Date
    /// Runs this actor's work (every SQLite call) off the cooperative thread pool.
    private let executor = SQLiteExecutor(label: "vaultindex.sqlite")

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Audit entries waiting for the next group commit (``appendAudit(_:)``), each with its caller.
    private var pendingAudit: [(draft: AuditDraft, done: CheckedContinuation<Result<Void, CatalogError>, Never>)] = []
    private var auditCommitScheduled = false
    /// Transactions that have committed audit entries through ``appendAudit(_:)``.
    private(set) var auditBatches = 0

    /// Opens (creating if needed) the catalog at `path`. Call ``migrate()`` before use.
    public init(path: String, clock: @escaping @Sendable () -> Date = { Date() }) throws(CatalogError) {
        db = try SQLiteConnection(path: path)
        self.clock = clock
        // A 16 MiB page cache (default 2 MiB): a sweep touches a dozen B-trees at random keys per
        // recording. Checkpoint every 20,000 WAL pages (80 MiB) rather than 1,000: a sweep batch dirties
        // more than 1,000 pages, so each commit was followed by a checkpoint of pages the next commit
        // dirties again. secure_delete zeroes what a deleted row (a wrap) leaves in freed space, and
        // journal_size_limit bounds the WAL after each checkpoint (``purgeDeleted()`` truncates it).
        try db.execute("""
            PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;
            PRAGMA cache_size=-16384; PRAGMA wal_autocheckpoint=20000;
            PRAGMA secure_delete=ON; PRAGMA journal_size_limit=67108864;
            """)
    }

    // MARK: - Migrations

    public func migrate() throws(CatalogError) {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)")
        let current = try schemaVersion()
        guard current <= SQLiteMigrations.latestVersion else {
            throw .schemaTooNew(found: current, supported: SQLiteMigrations.latestVersion)
        }
        for (offset, migration) in SQLiteMigrations.all.enumerated() where offset + 1 > current {
            do {
                try db.transaction { () throws(CatalogError) in
                    try db.execute(migration.sql)
                    try db.run("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)",
                               [.integer(Int64(offset + 1)), .text(migration.name), .integer(millis(clock()))])
                }
            } catch {
                throw .migrationFailed(name: migration.name, message: error.description)
            }
        }
    }

    public func schemaVersion() throws(CatalogError) -> Int {
        let exists = try db.queryOne("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_migrations'") { $0.int(0) } ?? 0
        guard exists > 0 else { return 0 }
        return Int(try db.queryOne("SELECT coalesce(max(version), 0) FROM schema_migrations") { $0.int(0) } ?? 0)
    }

    // MARK: - Metadata

    public func meta(_ key: String) throws(CatalogError) -> String? {
        try db.queryOne("SELECT value FROM vault_meta WHERE key = ?", [.text(key)]) { $0.text(0) }
    }

    public func setMeta(_ key: String, _ value: String) throws(CatalogError) {
        try db.run("INSERT INTO vault_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   [.text(key), .text(value)])
    }

    // MARK: - Roles

    public func addRole(_ role: RoleRecord, audit: AuditDraft) throws(CatalogError) {
        try db.transaction { () throws(CatalogError) in
            if try db.queryOne("SELECT 1 FROM roles WHERE name = ?", [.text(role.name)], { $0.int(0) }) != nil {
                throw .alreadyExists(what: "role", id: role.name)
            }
            try db.run("INSERT INTO roles (name, public_key, key_id, created_at_ms) VALUES (?, ?, ?, ?)",
                       [.text(role.name), .blob(role.publicKey), .text(role.keyID), .integer(millis(role.createdAt))])
            try appendAuditInTransaction(audit)
        }
    }

    public func role(named name: String) throws(CatalogError) -> RoleRecord? {
        try db.queryOne("SELECT name, public_key, key_id, created_at_ms FROM roles WHERE name = ?", [.text(name)], Self.roleRow)
    }

    public func roles() throws(CatalogError) -> [RoleRecord] {
        try db.query("SELECT name, public_key, key_id, created_at_ms FROM roles ORDER BY name", [], Self.roleRow)
    }

    static func roleRow(_ row: SQLiteRow) -> RoleRecord {
        RoleRecord(name: row.text(0), publicKey: row.blob(1), keyID: row.text(2), createdAt: date(row.int(3)))
    }

    public func setRoleKey(_ name: String, publicKey: [UInt8], keyID: String, audit: AuditDraft) throws(CatalogError) {
        try db.transaction { () throws(CatalogError) in
            let changed = try db.run("UPDATE roles SET public_key = ?, key_id = ? WHERE name = ?", [.blob(publicKey), .text(keyID), .text(name)])
            guard changed == 1 else { throw .notFound(what: "role", id: name) }
            try appendAuditInTransaction(audit)
        }
    }

    public func wrapsToRotate(role: String, notKeyID keyID: String, limit: Int) throws(CatalogError) -> [WrapRecord] {
        try db.query("SELECT recording_id, role, key_id, wrapped FROM wraps WHERE role = ? AND key_id <> ? LIMIT ?",
                     [.text(role), .text(keyID), .integer(Int64(limit))], Self.wrapRow)
    }

    public func wraps(after: (recording: RecordingID, role: String)?, limit: Int) throws(CatalogError) -> [WrapRecord] {
        guard let after else {
            return try db.query("SELECT recording_id, role, key_id, wrapped FROM wraps ORDER BY recording_id, role LIMIT ?",
                                [.integer(Int64(limit))], Self.wrapRow)
        }
        return try db.query("""
            SELECT recording_id, role, key_id, wrapped FROM wraps WHERE (recording_id, role) > (?, ?) ORDER BY recording_id, role LIMIT ?
            """, [.blob(after.recording.bytes), .text(after.role), .integer(Int64(limit))], Self.wrapRow)
    }

    public func purgeDeleted() throws(CatalogError) {
        // TRUNCATE waits (busy timeout) for readers of the WAL to finish, then empties it; freed pages
        // of the database were zeroed when freed (secure_delete).
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    public func replaceWraps(_ wraps: [WrapRecord]) throws(CatalogError) -> Int {
        try db.transaction { () throws(CatalogError) -> Int in
            var replaced = 0
            let statement = try db.prepare("""
                UPDATE wraps SET key_id = ?, wrapped = ? WHERE recording_id = ? AND role = ?
                AND EXISTS (SELECT 1 FROM recordings r WHERE r.id = wraps.recording_id AND r.state = 'live')
                """)
            for wrap in wraps {
                try statement.reset()
                try statement.bind([.text(wrap.keyID), .blob(wrap.wrapped), .blob(wrap.recording.bytes), .text(wrap.role)])
                while try statement.step() {}
                replaced += db.changes
            }
            return replaced
        }
    }

    public func keyIDsInUse(role: String) throws(CatalogError) -> Set<String> {
        Set(try db.query("SELECT DISTINCT key_id FROM wraps WHERE role = ?", [.text(role)]) { $0.text(0) })
    }

    // MARK: - Patients and consent

    public func upsertPatient(_ patient: PatientRecord) throws(CatalogError) {
        try upsertPatientInTransaction(patient)
    }

    func upsertPatientInTransaction(_ patient: PatientRecord) throws(CatalogError) {
        try db.run("""
            INSERT INTO patients (pseudonym, identifier_sealed, last_contact, discharged, died, born_month) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(pseudonym) DO UPDATE SET last_contact = excluded.last_contact,
                discharged = excluded.discharged, died = excluded.died, born_month = excluded.born_month
            """, [.text(patient.pseudonym), .blob(patient.identifierSealed), optional(patient.lastContact),
                  optional(patient.discharged), optional(patient.died), optional(patient.bornMonth)])
    }

    public func patient(_ pseudonym: String) throws(CatalogError) -> PatientRecord? {
        try db.queryOne("SELECT pseudonym, identifier_sealed, last_contact, discharged, died, born_month FROM patients WHERE pseudonym = ?",
                        [.text(pseudonym)]) { row in
            PatientRecord(pseudonym: row.text(0), identifierSealed: row.blob(1), lastContact: row.optionalText(2),
                          discharged: row.optionalText(3), died: row.optionalText(4), bornMonth: row.optionalText(5))
        }
    }

    @discardableResult
    public func changeConsent(_ change: ConsentChange) throws(CatalogError) -> Int {
        try db.transaction { () throws(CatalogError) -> Int in
            for var consent in change.added {
                let existing = try db.queryOne("SELECT patient FROM consents WHERE session = ? LIMIT 1", [.text(consent.session)]) { $0.text(0) }
                if let existing, existing != consent.patient {
                    throw .invalidState(recording: "session \(consent.session)", expected: "consent for the session's own patient",
                                        found: "consent for a different patient")
                }
                if let renewedOn = change.renewedOn {
                    let active = try db.queryOne("""
                        SELECT id FROM consents WHERE session = ? AND scope = ? AND withdrawn_on IS NULL AND superseded_on IS NULL
                        """, [.text(consent.session), .text(consent.scope)]) { $0.int(0) }
                    guard let active else { throw .notFound(what: "active consent scope '\(consent.scope)' of session", id: consent.session) }
                    try db.run("UPDATE consents SET superseded_on = ? WHERE id = ?", [.text(renewedOn), .integer(active)])
                    consent.renews = active
                }
                do throws(CatalogError) {
                    try db.run("""
                        INSERT INTO consents (session, patient, scope, evidence_sealed, given_on, recorded_at_ms, other_participants, renews_id)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, [.text(consent.session), .text(consent.patient), .text(consent.scope),
                              consent.evidenceSealed.map { .blob($0) } ?? .null, .text(consent.givenOn), .integer(millis(consent.recordedAt)),
                              .integer(consent.otherParticipants ? 1 : 0), consent.renews.map { .integer($0) } ?? .null])
                } catch {
                    if case .constraint = error {
                        throw .alreadyExists(what: "active consent scope '\(consent.scope)' for session", id: consent.session)
                    }
                    throw error
                }
            }
            var added = 0
            if !change.wraps.isEmpty {
                let insert = try db.prepare("""
                    INSERT INTO wraps (recording_id, role, key_id, wrapped)
                    SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM recordings WHERE id = ? AND state = 'live')
                    ON CONFLICT (recording_id, role) DO NOTHING
                    """)
                for wrap in change.wraps {
                    try insert.reset()
                    try insert.bind([.blob(wrap.recording.bytes), .text(wrap.role), .text(wrap.keyID), .blob(wrap.wrapped), .blob(wrap.recording.bytes)])
                    while try insert.step() {}
                    added += db.changes
                }
            }
            try applyDueUpdates(change.dueUpdates)
            var entry = change.audit
            if !change.wraps.isEmpty { entry.detail = [change.audit.detail, "\(added) wraps added"].compactMap { $0 }.joined(separator: "; ") }
            try appendAuditInTransaction(entry)
            return added
        }
    }

    public func consents(session: String) throws(CatalogError) -> [ConsentRecord] {
        try db.query("""
            SELECT id, session, patient, scope, evidence_sealed, given_on, recorded_at_ms, withdrawn_on, withdrawal_recorded_at_ms,
                other_participants, superseded_on, renews_id
            FROM consents WHERE session = ? ORDER BY id
            """, [.text(session)]) { row in
            ConsentRecord(id: row.int(0), session: row.text(1), patient: row.text(2), scope: row.text(3), evidenceSealed: row.optionalBlob(4),
                          givenOn: row.text(5), recordedAt: date(row.int(6)), withdrawnOn: row.optionalText(7),
                          withdrawalRecordedAt: row.optionalInt(8).map(date), otherParticipants: row.int(9) != 0,
                          supersededOn: row.optionalText(10), renews: row.optionalInt(11))
        }
    }

    // MARK: - Recordings

    public func beginStaging(_ staging: StagingRecord) throws(CatalogError) {
        try db.run("""
            INSERT INTO recordings (id, state, session, clinician, class, created_at_ms, staging_pid, staging_host)
            VALUES (?, 'staging', ?, ?, ?, ?, ?, ?)
            """, [.blob(staging.id.bytes), .text(staging.session), .text(staging.clinician), .text(staging.retentionClass),
                  .integer(millis(staging.startedAt)), .integer(Int64(staging.processID)), .text(staging.host)])
    }

    public func stagingRecords() throws(CatalogError) -> [StagingRecord] {
        try db.query("""
            SELECT id, session, clinician, class, created_at_ms, staging_pid, staging_host FROM recordings
            WHERE state = 'staging' ORDER BY created_at_ms
            """) { (row) throws(CatalogError) in
            StagingRecord(id: try RecordingID(bytes: row.blob(0)), session: row.text(1), clinician: row.text(2), retentionClass: row.text(3),
                          startedAt: date(row.int(4)), processID: Int32(truncatingIfNeeded: row.int(5)), host: row.text(6))
        }
    }

    public func discardStaging(_ id: RecordingID, audit: AuditDraft) throws(CatalogError) {
        try db.transaction { () throws(CatalogError) in
            try db.run("DELETE FROM chunks WHERE recording_id = ?", [.blob(id.bytes)])
            try db.run("DELETE FROM wraps WHERE recording_id = ?", [.blob(id.bytes)])
            let removed = try db.run("DELETE FROM recordings WHERE id = ? AND state = 'staging'", [.blob(id.bytes)])
            guard removed == 1 else { throw .notFound(what: "staging recording", id: id.description) }
            try appendAuditInTransaction(audit)
        }
    }

    public func commitRecording(_ recording: RecordingRecord, chunks: [ChunkRecord], wraps: [WrapRecord], consentedScopes: [String]?,
                                audit: AuditDraft) throws(CatalogError) {
        try db.transaction { () throws(CatalogError) in
            if let consentedScopes {
                // BEGIN IMMEDIATE: no withdrawal can commit between this check and the commit.
                let active = try db.query("SELECT DISTINCT scope FROM consents WHERE session = ? AND withdrawn_on IS NULL AND superseded_on IS NULL ORDER BY scope",
                                          [.text(recording.session)]) { $0.text(0) }
                let expected = Array(Set(consentedScopes)).sorted()
                guard active == expected else { throw .consentChanged(session: recording.session, expected: expected, found: active) }
            }
            let state = try db.queryOne("SELECT state FROM recordings WHERE id = ?", [.blob(recording.id.bytes)]) { $0.text(0) }
            guard let state else { throw .notFound(what: "staging recording", id: recording.id.description) }
            guard state == RecordingState.staging.rawValue else {
                throw .invalidState(recording: recording.id.description, expected: "staging", found: state)
            }
            try db.run("""
                UPDATE recordings SET state = 'live', session = ?, patient = ?, clinician = ?, class = ?, media_type = ?,
                    byte_count = ?, chunk_size = ?, chunk_count = ?, algorithm = ?, manifest = ?, manifest_tag = ?,
                    created_at_ms = ?, captured_on = ?, due_on = ?, disposition = ?, retention_rule = ?, source_id = ?,
                    media_facts = ?, staging_pid = NULL, staging_host = NULL
                WHERE id = ?
                """, [.text(recording.session), .text(recording.patient), .text(recording.clinician), .text(recording.retentionClass),
                      .text(recording.mediaType), .integer(recording.byteCount), .integer(Int64(recording.chunkSize)),
                      .integer(Int64(recording.chunkCount)), .integer(Int64(recording.algorithm)), .blob(recording.manifest),
                      .blob(recording.manifestTag), .integer(millis(recording.createdAt)), .text(recording.capturedOn),
                      optional(recording.dueOn), optional(recording.disposition), optional(recording.retentionRule),
                      recording.sourceID.map { .blob($0.bytes) } ?? .null, optional(recording.mediaFacts), .blob(recording.id.bytes)])
            let insertChunk = try db.prepare("INSERT INTO chunks (recording_id, idx, sealed_size, digest) VALUES (?, ?, ?, ?)")
            for chunk in chunks {
                try insertChunk.reset()
                try insertChunk.bind([.blob(recording.id.bytes), .integer(Int64(chunk.index)), .integer(Int64(chunk.sealedSize)), .blob(chunk.digest)])
                while try insertChunk.step() {}
            }
            let insertWrap = try db.prepare("INSERT INTO wraps (recording_id, role, key_id, wrapped) VALUES (?, ?, ?, ?)")
            for wrap in wraps {
                try insertWrap.reset()
                try insertWrap.bind([.blob(recording.id.bytes), .text(wrap.role), .text(wrap.keyID), .blob(wrap.wrapped)])
                while try insertWrap.step() {}
            }
            try appendAuditInTransaction(audit)
        }
    }

    static let recordingColumns = """
        id, state, session, patient, clinician, class, media_type, byte_count, chunk_size, chunk_count, algorithm,
        manifest, manifest_tag, created_at_ms, captured_on, due_on, disposition, retention_rule, source_id, media_facts,
        disposal_authorised_by, disposal_started_ms
        """

    static func recordingRow(_ row: SQLiteRow) throws(CatalogError) -> RecordingRecord {
        let id = try RecordingID(bytes: row.blob(0))
        guard let state = RecordingState(rawValue: row.text(1)) else {
            throw .corruptRow(table: "recordings", id: id.description, reason: "unknown state '\(row.text(1))'")
        }
        let source = row.optionalBlob(18)
        var record = RecordingRecord(
            id: id, state: state, session: row.text(2), patient: row.optionalText(3) ?? "", clinician: row.text(4),
            retentionClass: row.text(5), mediaType: row.optionalText(6) ?? "", byteCount: row.optionalInt(7) ?? 0,
            chunkSize: Int(row.optionalInt(8) ?? 0), chunkCount: Int(row.optionalInt(9) ?? 0),
            algorithm: UInt8(truncatingIfNeeded: row.optionalInt(10) ?? 0), manifest: row.optionalBlob(11) ?? [],
            manifestTag: row.optionalBlob(12) ?? [], createdAt: date(row.int(13)), capturedOn: row.optionalText(14) ?? "",
            dueOn: row.optionalText(15), disposition: row.optionalText(16), retentionRule: row.optionalText(17),
            sourceID: try source.map { (bytes) throws(CatalogError) in try RecordingID(bytes: bytes) }, mediaFacts: row.optionalText(19))
        record.disposalAuthorisedBy = row.optionalText(20)
        record.disposalStartedAt = row.optionalInt(21).map(date)
        return record
    }

    public func recording(_ id: RecordingID) throws(CatalogError) -> RecordingRecord? {
        try db.queryOne("SELECT \(Self.recordingColumns) FROM recordings WHERE id = ? AND state <> 'staging'", [.blob(id.bytes)], Self.recordingRow)
    }

    public func recordings(_ filter: RecordingFilter) throws(CatalogError) -> [RecordingRecord] {
        var clauses: [String] = []
        var values: [SQLValue] = []
        let states = filter.states.map(\.rawValue).sorted()
        clauses.append("state IN (\(states.map { _ in "?" }.joined(separator: ", ")))")
        values += states.map { .text($0) }
        if let patient = filter.patient { clauses.append("patient = ?"); values.append(.text(patient)) }
        if let clinician = filter.clinician { clauses.append("clinician = ?"); values.append(.text(clinician)) }
        if let session = filter.session { clauses.append("session = ?"); values.append(.text(session)) }
        if let source = filter.source { clauses.append("source_id = ?"); values.append(.blob(source.bytes)) }
        if filter.dueUndetermined { clauses.append("due_on IS NULL") }
        if let retentionClass = filter.retentionClass { clauses.append("class = ?"); values.append(.text(retentionClass)) }
        if let since = filter.since { clauses.append("created_at_ms >= ?"); values.append(.integer(millis(since))) }
        if let after = filter.after { clauses.append("id > ?"); values.append(.blob(after.bytes)) }
        let order = filter.after == nil ? "created_at_ms, id" : "id"
        var sql = "SELECT \(Self.recordingColumns) FROM recordings WHERE \(clauses.joined(separator: " AND ")) ORDER BY \(order)"
        if let limit = filter.limit { sql += " LIMIT \(max(0, limit))" }
        return try db.query(sql, values, Self.recordingRow)
    }

    public func chunks(of id: RecordingID, in range: Range<Int>) throws(CatalogError) -> [ChunkRecord] {
        try db.query("SELECT idx, sealed_size, digest FROM chunks WHERE recording_id = ? AND idx >= ? AND idx < ? ORDER BY idx",
                     [.blob(id.bytes), .integer(Int64(range.lowerBound)), .integer(Int64(range.upperBound))]) { row in
            ChunkRecord(index: Int(row.int(0)), sealedSize: Int(row.int(1)), digest: row.blob(2))
        }
    }

    public func wrap(of id: RecordingID, role: String) throws(CatalogError) -> WrapRecord? {
        try db.queryOne("SELECT recording_id, role, key_id, wrapped FROM wraps WHERE recording_id = ? AND role = ?",
                        [.blob(id.bytes), .text(role)], Self.wrapRow)
    }

    public func wrapRoles(of id: RecordingID) throws(CatalogError) -> [String] {
        try db.query("SELECT role FROM wraps WHERE recording_id = ? ORDER BY role", [.blob(id.bytes)]) { $0.text(0) }
    }

    public func recordingsWrapped(for role: String, among ids: [RecordingID]) throws(CatalogError) -> Set<RecordingID> {
        var wrapped = Set<RecordingID>()
        let statement = try db.prepare("SELECT 1 FROM wraps WHERE recording_id = ? AND role = ?")
        for id in ids {
            try statement.reset()
            try statement.bind([.blob(id.bytes), .text(role)])
            if try statement.step() { wrapped.insert(id) }
        }
        return wrapped
    }

    static func wrapRow(_ row: SQLiteRow) throws(CatalogError) -> WrapRecord {
        WrapRecord(recording: try RecordingID(bytes: row.blob(0)), role: row.text(1), keyID: row.text(2), wrapped: row.blob(3))
    }

    public func knownRecordings(among ids: [RecordingID]) throws(CatalogError) -> Set<RecordingID> {
        var known = Set<RecordingID>()
        let statement = try db.prepare("SELECT 1 FROM recordings WHERE id = ? AND state <> 'destroyed'")
        for id in ids {
            try statement.reset()
            try statement.bind([.blob(id.bytes)])
            if try statement.step() { known.insert(id) }
        }
        return known
    }

    // MARK: - Audit

    /// Appends an audit entry and returns once it is durable.
    ///
    /// Group commit: entries that arrive while a commit waits for its fsync are written together in
    /// the next transaction, one fsync for all of them. Each caller still returns only after its own
    /// entry has committed, so "the access is recorded before the bytes flow" holds as before; a
    /// service answering many requests at once no longer pays one fsync per request.
    public func appendAudit(_ draft: AuditDraft) async throws(CatalogError) {
        let result = await withCheckedContinuation { (done: CheckedContinuation<Result<Void, CatalogError>, Never>) in
            pendingAudit.append((draft, done))
            if !auditCommitScheduled {
                auditCommitScheduled = true
                // Enqueued on this actor's serial queue behind the appends already waiting there,
                // which join this batch.
                Task { self.commitPendingAudit() }
            }
        }
        try result.get()
    }

    /// Blocks this catalog's queue, as a long commit would, until `until` holds (then 0.2 s more, for
    /// work that has just been submitted to reach the queue) or 30 s have passed; calls `began` first.
    /// For tests of the group commit only.
    func occupyForTesting(began: @Sendable () -> Void, until: @Sendable () -> Bool) {
        began()
        let deadline = Date().addingTimeInterval(30)
        while !until(), Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.2)
    }

    /// Writes every waiting audit entry in one transaction and wakes their callers.
    private func commitPendingAudit() {
        let batch = pendingAudit
        pendingAudit = []
        auditCommitScheduled = false
        do {
            try db.transaction { () throws(CatalogError) in
                for entry in batch { try appendAuditInTransaction(entry.draft) }
            }
            auditBatches += 1
            for entry in batch { entry.done.resume(returning: .success(())) }
        } catch {
            // One entry that cannot be written must not fail the others: write each alone.
            for entry in batch {
                do {
                    try db.transaction { () throws(CatalogError) in try appendAuditInTransaction(entry.draft) }
                    auditBatches += 1
                    entry.done.resume(returning: .success(()))
                } catch {
                    entry.done.resume(returning: .failure(error))
                }
            }
        }
    }

    /// Appends to the chain inside the caller's transaction (the write lock is held, so the head cannot move).
    func appendAuditInTransaction(_ draft: AuditDraft) throws(CatalogError) {
        let head = try db.queryOne("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1") { ($0.int(0), $0.blob(1)) }
        let sequence = (head?.0 ?? 0) + 1
        let previous = head?.1 ?? AuditEntry.genesisHash
        let time = millis(clock())
        let hash = AuditEntry.computeHash(sequence: sequence, timeMillis: time, draft: draft, previousHash: previous)
        try db.run("""
            INSERT INTO audit (seq, time_ms, actor, role, action, target, purpose, outcome, detail, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(sequence), .integer(time), .text(draft.actor), optional(draft.role), .text(draft.action), optional(draft.target),
                  optional(draft.purpose), .text(draft.outcome), optional(draft.detail), .blob(previous), .blob(hash)])
    }

    public func auditEntries(after: Int64, limit: Int) throws(CatalogError) -> [AuditEntry] {
        try db.query("""
            SELECT seq, time_ms, actor, role, action, target, purpose, outcome, detail, prev_hash, hash
            FROM audit WHERE seq > ? ORDER BY seq LIMIT ?
            """, [.integer(after), .integer(Int64(limit))], Self.auditRow)
    }
}

func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(millis) / 1000) }

func optional(_ text: String?) -> SQLValue { text.map { .text($0) } ?? .null }

extension SQLiteCatalog {
    public func setMediaFacts(_ id: RecordingID, json: String) throws(CatalogError) {
        guard try db.run("UPDATE recordings SET media_facts = ? WHERE id = ? AND state = 'live'", [.text(json), .blob(id.bytes)]) == 1 else {
            throw .notFound(what: "live recording", id: id.description)
        }
    }
}
