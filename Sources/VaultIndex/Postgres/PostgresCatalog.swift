public import Foundation
public import Logging
import Crypto
import PostgresNIO

/// The catalog in a PostgreSQL database (12 or newer), for several service nodes sharing one index.
///
/// ## Lifetime
/// `init` checks that the server answers (one direct connection: a refused or unreachable server is a
/// ``CatalogError/open(path:message:)`` naming `host:port` at once, not a pool waiting for a minute),
/// then starts the connection pool: a `PostgresClient` whose `run()` is a `Task` owned by this catalog.
/// ``close()`` cancels that task and waits for it, which closes every pooled connection; calls after
/// it fail with "the catalog is closed". `deinit` cancels the task too, so a catalog that is dropped
/// without `close()` still shuts its pool down, just not awaited. Every method commits before it
/// returns, so a process that exits without `close()` loses nothing (the server rolls back nothing
/// and frees its advisory locks when the sockets close); `close()` is the tidy way out.
///
/// ## Transactions and concurrency
/// Each ``Catalog`` method is one transaction at READ COMMITTED (set explicitly, whatever the
/// server's default), on one pooled connection. Where SQLite relied on its single writer:
/// - **Audit chain**: an append takes the transaction-level advisory lock ``LockKeys/audit`` before
///   it reads the chain head, then inserts; the lock is held to commit, so appends from every node
///   are serialised and each new statement (a fresh snapshot at READ COMMITTED) sees the head the
///   previous holder committed. It is taken as the transaction's last lock, after any row locks,
///   so it is held for as short a time as possible and lock orders stay consistent.
/// - **Read-then-write**: the rows decided on are locked first (`SELECT ... FOR UPDATE` / `FOR SHARE`,
///   in id order), and the decision is made by a later statement, which sees every transaction that
///   committed before the lock was granted: `commitRecording`, `discardStaging`, `replaceWraps`,
///   `placeHold` (a recording, or a patient's live recordings), `beginDisposal`, `finishDisposal`,
///   `decideDisposition`. Consents of one session are serialised with an advisory lock on the
///   session. Unique rows use `INSERT ... ON CONFLICT`.
/// - **Retries**: a transaction that fails with SQLSTATE 40001 (serialization failure) or 40P01
///   (deadlock detected) is rolled back by the server and run again from the start, up to 5 times
///   with a short growing pause.
///
/// ## Advisory lock keys
/// All are two-key (`int4, int4`) advisory locks, per database: classid `0x5356_4C54` (`'SVLT'`) with
/// objid 1 for ``migrate()`` and 2 for audit appends (both transaction-level); classid `0x5356_4353`
/// (`'SVCS'`) with a hash of the session for consents; classid `0x5356_584C` (`'SVXL'`) with the
/// first 31 bits of SHA-256(`sessionvault.lock.v1:` + name) for ``withExclusiveLock(_:_:)``
/// (session-level, on a dedicated connection). See ``LockKeys``.
public final class PostgresCatalog: Catalog {
    let configuration: PostgresConfiguration
    let client: PostgresClient
    let runTask: Task<Void, Never>
    let context: PGContext
    let clock: @Sendable () -> Date
    let logger: Logger
    /// How often a held exclusive lock's connection is checked (``withExclusiveLock(_:_:)``).
    let lockHeartbeat: Duration

    /// Parses `url` (see ``PostgresConfiguration``; the password may come from `SESSIONVAULT_PG_PASSWORD`
    /// in `environment`) and connects. Call ``migrate()`` before use and ``close()`` when done.
    public convenience init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                            clock: @escaping @Sendable () -> Date = { Date() },
                            logger: Logger = Logger(label: "sessionvault.catalog.postgres")) async throws(CatalogError) {
        try await self.init(configuration: PostgresConfiguration.parse(url, environment: environment), clock: clock, logger: logger)
    }

    /// Connects with a parsed configuration. Call ``migrate()`` before use and ``close()`` when done.
    public convenience init(configuration: PostgresConfiguration, clock: @escaping @Sendable () -> Date = { Date() },
                            logger: Logger = Logger(label: "sessionvault.catalog.postgres")) async throws(CatalogError) {
        try await self.init(configuration: configuration, clock: clock, logger: logger, lockHeartbeat: .seconds(2))
    }

    init(configuration: PostgresConfiguration, clock: @escaping @Sendable () -> Date, logger: Logger,
         lockHeartbeat: Duration) async throws(CatalogError) {
        self.configuration = configuration
        self.context = PGContext(configuration: configuration, logger: logger)
        self.clock = clock
        self.logger = logger
        self.lockHeartbeat = lockHeartbeat
        // Fail fast, with the endpoint in the error, if the server is not there or refuses us.
        let probe = try await Self.connect(configuration, context: context)
        do throws(CatalogError) {
            let version = try await probe.queryOne("SELECT current_setting('server_version_num')::int") { row throws(CatalogError) in
                try row.int(0)
            } ?? 0
            guard version >= 120000 else {
                throw CatalogError.open(path: configuration.redactedURL, message: "PostgreSQL 12 or newer is required (server is \(version))")
            }
        } catch {
            await probe.close()
            throw error
        }
        await probe.close()

        var options = PostgresClient.Configuration.Options()
        options.maximumConnections = configuration.poolMaximum
        options.minimumConnections = 0
        options.connectTimeout = .seconds(configuration.connectTimeoutSeconds)
        // A short idle timer and no keep-alive (see PostgresConfiguration's `idle_timeout`): each release
        // of a connection starts the pool's timers, and a cancelled one keeps its memory until its deadline.
        options.connectionIdleTimeout = .seconds(configuration.idleTimeoutSeconds)
        options.keepAliveBehavior = nil
        options.additionalStartupParameters = [("application_name", configuration.applicationName)]
        var clientConfiguration = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user, password: configuration.password,
            database: configuration.database, tls: .disable)
        switch (configuration.sslMode, try configuration.tlsConfiguration(context: context)) {
        case (.prefer, let tls?): clientConfiguration.tls = .prefer(tls)
        case (.require, let tls?), (.verifyFull, let tls?): clientConfiguration.tls = .require(tls)
        default: clientConfiguration.tls = .disable
        }
        clientConfiguration.options = options
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        self.client = client
        // The pool serves leases only while run() runs: start it before the first call can lease.
        let started = FirstEvent<Bool>()
        self.runTask = Task {
            started.signal(true)
            await client.run()
        }
        _ = await started.wait()
    }

    deinit { runTask.cancel() }

    /// Closes the pool: cancels the client's run task and waits until every connection is closed.
    /// Idempotent. Calls made after it fail with `CatalogError.backend` ("the catalog is closed").
    public func close() async {
        runTask.cancel()
        await runTask.value
    }

    /// Runs one SQL statement outside any catalog method (maintenance and tests: `CREATE DATABASE`,
    /// fault injection). Not part of the ``Catalog`` contract.
    func execute(_ sql: String) async throws(CatalogError) {
        try await withConnection { (connection) throws(CatalogError) in try await connection.run(sql) }
    }

    /// The first column of every row of `sql`, as integers (tests).
    func integers(_ sql: String) async throws(CatalogError) -> [Int64] {
        try await query(sql) { row throws(CatalogError) in try row.int(0) }
    }

    // MARK: - Connections and transactions

    /// One direct connection outside the pool (the start-up probe, exclusive locks).
    static func connect(_ configuration: PostgresConfiguration, context: PGContext) async throws(CatalogError) -> PGConnection {
        var connectionConfiguration = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user, password: configuration.password,
            database: configuration.database, tls: .disable)
        let tls = try configuration.tlsConfiguration(context: context)
        do {
            switch (configuration.sslMode, tls) {
            case (.prefer, let tls?): connectionConfiguration.tls = .prefer(try .init(configuration: tls))
            case (.require, let tls?), (.verifyFull, let tls?): connectionConfiguration.tls = .require(try .init(configuration: tls))
            default: break
            }
        } catch {
            throw .open(path: configuration.redactedURL, message: "cannot set up TLS: \(context.scrub("\(error)"))")
        }
        connectionConfiguration.options.connectTimeout = .seconds(Int64(configuration.connectTimeoutSeconds))
        connectionConfiguration.options.additionalStartupParameters = [("application_name", configuration.applicationName)]
        do {
            let connection = try await PostgresConnection.connect(configuration: connectionConfiguration, id: Int.random(in: 1...Int(Int32.max)),
                                                                 logger: context.queryLogger)
            return PGConnection(connection: connection, context: context)
        } catch let error as PSQLError {
            if let info = error.serverInfo {
                let state = info[.sqlState] ?? "?????"
                throw .open(path: configuration.redactedURL,
                            message: context.scrub("server at \(configuration.endpoint) refused the connection: \(info[.message] ?? "no message") [SQLSTATE \(state)]"))
            }
            let described = context.describe(error)
            // The commonest TLS mistake, said in words: the server's certificate is not from a trusted CA.
            let hint = described.contains("CERTIFICATE_VERIFY_FAILED")
                ? " (the server's certificate was not issued by a trusted CA (trusted: "
                    + (configuration.sslRootCertificatePath.map { "the CAs in sslrootcert '\($0)'" }
                        ?? "the system's CAs; for an organisation's own CA, add sslrootcert=PATH-TO-CA.pem to the catalog URL")
                    + "); check also that the certificate names \(configuration.host))"
                : ""
            throw .open(path: configuration.redactedURL, message: "cannot connect to \(configuration.endpoint): \(described)\(hint)")
        } catch {
            throw .open(path: configuration.redactedURL, message: context.scrub("cannot connect to \(configuration.endpoint): \(error)"))
        }
    }

    /// Runs `body` on a pooled connection (no transaction: each statement commits on its own).
    func withConnection<T: Sendable>(_ body: (PGConnection) async throws(CatalogError) -> T) async throws(CatalogError) -> T {
        let context = self.context
        do {
            return try await client.withConnection { connection async throws -> T in
                try await body(PGConnection(connection: connection, context: context))
            }
        } catch {
            throw context.map(error, sql: "(leasing a connection)")
        }
    }

    /// One statement on a pooled connection.
    func query<T: Sendable>(_ sql: String, _ values: [PGValue] = [], _ map: @escaping (PGRow) throws(CatalogError) -> T) async throws(CatalogError) -> [T] {
        try await withConnection { (connection) throws(CatalogError) in try await connection.query(sql, values, map) }
    }

    func queryOne<T: Sendable>(_ sql: String, _ values: [PGValue] = [], _ map: @escaping (PGRow) throws(CatalogError) -> T) async throws(CatalogError) -> T? {
        try await query(sql, values, map).first
    }

    static let retryableStates: Set<String> = ["40001", "40P01"]
    static let maxAttempts = 5

    /// Runs `body` in one READ COMMITTED transaction on one pooled connection; commits if it returns,
    /// rolls back if it throws. Serialization failures and deadlocks are retried from the start.
    func transaction<T: Sendable>(_ body: (PGTransaction) async throws(CatalogError) -> T) async throws(CatalogError) -> T {
        var attempt = 1
        while true {
            do throws(CatalogError) {
                return try await withConnection { (connection) throws(CatalogError) -> T in
                    try await connection.run("BEGIN ISOLATION LEVEL READ COMMITTED")
                    do throws(CatalogError) {
                        let result = try await body(PGTransaction(connection: connection, clock: clock))
                        try await connection.run("COMMIT")
                        return result
                    } catch {
                        do throws(CatalogError) {
                            try await connection.run("ROLLBACK")
                        } catch {
                            // A connection that cannot roll back must not go back to the pool mid-transaction.
                            await connection.close()
                        }
                        throw error
                    }
                }
            } catch {
                guard attempt < Self.maxAttempts, Self.isRetryable(error) else { throw error }
                logger.notice("catalog transaction retried after a serialization failure or deadlock",
                              metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(10 * attempt * attempt + Int.random(in: 0...10)))
                attempt += 1
            }
        }
    }

    static func isRetryable(_ error: CatalogError) -> Bool {
        guard case .backend(let message) = error else { return false }
        return retryableStates.contains { message.hasPrefix("PostgreSQL \($0):") }
    }

    // MARK: - Migrations

    public func migrate() async throws(CatalogError) {
        while true {
            let done = try await transaction { (tx) throws(CatalogError) -> Bool in
                // Two nodes starting at once: the second waits here, then sees the first's work.
                try await tx.run("SELECT pg_advisory_xact_lock(\(LockKeys.namespace), \(LockKeys.migrate))")
                try await tx.run("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version bigint PRIMARY KEY, name text COLLATE "C" NOT NULL, applied_at_ms bigint NOT NULL)
                    """)
                let current = Int(try await tx.queryOne("SELECT coalesce(max(version), 0) FROM schema_migrations") { row throws(CatalogError) in
                    try row.int(0)
                } ?? 0)
                guard current <= PostgresMigrations.latestVersion else {
                    throw .schemaTooNew(found: current, supported: PostgresMigrations.latestVersion)
                }
                guard current < PostgresMigrations.latestVersion else { return true }
                let migration = PostgresMigrations.all[current]
                do throws(CatalogError) {
                    for statement in migration.statements { try await tx.run(statement) }
                    try await tx.run("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)",
                                     [.int(Int64(current + 1)), .text(migration.name), .int(millis(clock()))])
                } catch {
                    if Self.isRetryable(error) { throw error }
                    throw .migrationFailed(name: migration.name, message: error.description)
                }
                return false
            }
            if done { return }
        }
    }

    public func schemaVersion() async throws(CatalogError) -> Int {
        try await withConnection { (connection) throws(CatalogError) -> Int in
            let exists = try await connection.queryOne("SELECT to_regclass('schema_migrations') IS NOT NULL") { row throws(CatalogError) in
                try row.bool(0)
            } ?? false
            guard exists else { return 0 }
            return Int(try await connection.queryOne("SELECT coalesce(max(version), 0) FROM schema_migrations") { row throws(CatalogError) in
                try row.int(0)
            } ?? 0)
        }
    }

    // MARK: - Metadata

    public func meta(_ key: String) async throws(CatalogError) -> String? {
        try await queryOne("SELECT value FROM vault_meta WHERE key = $1", [.text(key)]) { row throws(CatalogError) in try row.text(0) }
    }

    public func setMeta(_ key: String, _ value: String) async throws(CatalogError) {
        _ = try await query("INSERT INTO vault_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                            [.text(key), .text(value)]) { _ in () }
    }

    // MARK: - Roles

    public func addRole(_ role: RoleRecord, audit: AuditDraft) async throws(CatalogError) {
        try await transaction { (tx) throws(CatalogError) in
            let added = try await tx.changes("""
                INSERT INTO roles (name, public_key, key_id, created_at_ms) VALUES ($1, $2, $3, $4)
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """, [.text(role.name), .bytes(role.publicKey), .text(role.keyID), .int(millis(role.createdAt))])
            guard added == 1 else { throw .alreadyExists(what: "role", id: role.name) }
            try await tx.appendAudit(audit)
        }
    }

    public func role(named name: String) async throws(CatalogError) -> RoleRecord? {
        try await queryOne("SELECT name, public_key, key_id, created_at_ms FROM roles WHERE name = $1", [.text(name)], Self.roleRow)
    }

    public func roles() async throws(CatalogError) -> [RoleRecord] {
        try await query("SELECT name, public_key, key_id, created_at_ms FROM roles ORDER BY name", [], Self.roleRow)
    }

    static func roleRow(_ row: PGRow) throws(CatalogError) -> RoleRecord {
        RoleRecord(name: try row.text(0), publicKey: try row.blob(1), keyID: try row.text(2), createdAt: date(try row.int(3)))
    }

    public func setRoleKey(_ name: String, publicKey: [UInt8], keyID: String, audit: AuditDraft) async throws(CatalogError) {
        try await transaction { (tx) throws(CatalogError) in
            let changed = try await tx.changes("UPDATE roles SET public_key = $1, key_id = $2 WHERE name = $3 RETURNING 1",
                                               [.bytes(publicKey), .text(keyID), .text(name)])
            guard changed == 1 else { throw .notFound(what: "role", id: name) }
            try await tx.appendAudit(audit)
        }
    }

    public func wrapsToRotate(role: String, notKeyID keyID: String, limit: Int) async throws(CatalogError) -> [WrapRecord] {
        try await query("""
            SELECT recording_id, role, key_id, wrapped FROM wraps WHERE role = $1 AND key_id <> $2 ORDER BY recording_id LIMIT $3
            """, [.text(role), .text(keyID), .int(Int64(max(0, limit)))], Self.wrapRow)
    }

    public func wraps(after: (recording: RecordingID, role: String)?, limit: Int) async throws(CatalogError) -> [WrapRecord] {
        guard let after else {
            return try await query("SELECT recording_id, role, key_id, wrapped FROM wraps ORDER BY recording_id, role LIMIT $1",
                                   [.int(Int64(max(0, limit)))], Self.wrapRow)
        }
        return try await query("""
            SELECT recording_id, role, key_id, wrapped FROM wraps WHERE (recording_id, role) > ($1, $2) ORDER BY recording_id, role LIMIT $3
            """, [.bytes(after.recording.bytes), .text(after.role), .int(Int64(max(0, limit)))], Self.wrapRow)
    }

    /// Nothing to do from a client: dead tuples go at VACUUM, and the WAL and its archive keep what
    /// they keep. The erasure tree is what makes erasure hold on PostgreSQL.
    public func purgeDeleted() async throws(CatalogError) {}

    public func replaceWraps(_ wraps: [WrapRecord]) async throws(CatalogError) -> Int {
        guard !wraps.isEmpty else { return 0 }
        return try await transaction { (tx) throws(CatalogError) -> Int in
            // Hold the recordings (FOR SHARE: a concurrent beginDisposal waits, or has committed and is seen
            // as not live by the update below).
            try await tx.lockRecordings(wraps.map(\.recording), mode: "FOR SHARE")
            let pairs = wraps.map { "\($0.recording.compactHex)/\($0.role)" }
            if Set(pairs).count == pairs.count {
                return try await tx.changes("""
                    UPDATE wraps w SET key_id = v.key_id, wrapped = decode(v.wrapped, 'hex')
                    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS v(recording_hex, role, key_id, wrapped)
                    WHERE w.recording_id = decode(v.recording_hex, 'hex') AND w.role = v.role
                      AND EXISTS (SELECT 1 FROM recordings r WHERE r.id = w.recording_id AND r.state = 'live')
                    RETURNING 1
                    """, [.hex(wraps.map(\.recording.bytes)), .texts(wraps.map(\.role)), .texts(wraps.map(\.keyID)), .hex(wraps.map(\.wrapped))])
            }
            // The same wrap twice: one update each, in order, as SQLite does.
            var replaced = 0
            for wrap in wraps {
                replaced += try await tx.changes("""
                    UPDATE wraps SET key_id = $1, wrapped = $2 WHERE recording_id = $3 AND role = $4
                    AND EXISTS (SELECT 1 FROM recordings r WHERE r.id = wraps.recording_id AND r.state = 'live') RETURNING 1
                    """, [.text(wrap.keyID), .bytes(wrap.wrapped), .bytes(wrap.recording.bytes), .text(wrap.role)])
            }
            return replaced
        }
    }

    public func keyIDsInUse(role: String) async throws(CatalogError) -> Set<String> {
        Set(try await query("SELECT DISTINCT key_id FROM wraps WHERE role = $1", [.text(role)]) { row throws(CatalogError) in try row.text(0) })
    }

    // MARK: - Patients and consent

    public func upsertPatient(_ patient: PatientRecord) async throws(CatalogError) {
        try await withConnection { (connection) throws(CatalogError) in try await Self.upsertPatient(patient, on: connection) }
    }

    static func upsertPatient(_ patient: PatientRecord, on connection: PGConnection) async throws(CatalogError) {
        try await connection.run("""
            INSERT INTO patients (pseudonym, identifier_sealed, last_contact, discharged, died, born_month) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (pseudonym) DO UPDATE SET last_contact = excluded.last_contact,
                discharged = excluded.discharged, died = excluded.died, born_month = excluded.born_month
            """, [.text(patient.pseudonym), .bytes(patient.identifierSealed), .optional(patient.lastContact),
                  .optional(patient.discharged), .optional(patient.died), .optional(patient.bornMonth)])
    }

    public func patient(_ pseudonym: String) async throws(CatalogError) -> PatientRecord? {
        try await queryOne("SELECT pseudonym, identifier_sealed, last_contact, discharged, died, born_month FROM patients WHERE pseudonym = $1",
                           [.text(pseudonym)]) { row throws(CatalogError) in
            PatientRecord(pseudonym: try row.text(0), identifierSealed: try row.blob(1), lastContact: try row.optionalText(2),
                          discharged: try row.optionalText(3), died: try row.optionalText(4), bornMonth: try row.optionalText(5))
        }
    }

    @discardableResult
    public func changeConsent(_ change: ConsentChange) async throws(CatalogError) -> Int {
        try await transaction { (tx) throws(CatalogError) -> Int in
            // One session's consents are decided one transaction at a time (its patient, its active scopes).
            for session in Set(change.added.map(\.session)).sorted() {
                try await tx.run("SELECT pg_advisory_xact_lock(\(LockKeys.consentNamespace), \(LockKeys.objectID("consent:" + session)))")
            }
            for var consent in change.added {
                let existing = try await tx.queryOne("SELECT patient FROM consents WHERE session = $1 LIMIT 1", [.text(consent.session)]) {
                    row throws(CatalogError) in try row.text(0)
                }
                if let existing, existing != consent.patient {
                    throw .invalidState(recording: "session \(consent.session)", expected: "consent for the session's own patient",
                                        found: "consent for a different patient")
                }
                if let renewedOn = change.renewedOn {
                    let active = try await tx.queryOne("""
                        UPDATE consents SET superseded_on = $3
                        WHERE session = $1 AND scope = $2 AND withdrawn_on IS NULL AND superseded_on IS NULL RETURNING id
                        """, [.text(consent.session), .text(consent.scope), .text(renewedOn)]) { row throws(CatalogError) in try row.int(0) }
                    guard let active else { throw .notFound(what: "active consent scope '\(consent.scope)' of session", id: consent.session) }
                    consent.renews = active
                }
                do throws(CatalogError) {
                    try await tx.run("""
                        INSERT INTO consents (session, patient, scope, evidence_sealed, given_on, recorded_at_ms, other_participants, renews_id)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                        """, [.text(consent.session), .text(consent.patient), .text(consent.scope), .optional(consent.evidenceSealed),
                              .text(consent.givenOn), .int(millis(consent.recordedAt)), .bool(consent.otherParticipants),
                              consent.renews.map { .int($0) } ?? .null])
                } catch {
                    if case .constraint = error {
                        throw .alreadyExists(what: "active consent scope '\(consent.scope)' for session", id: consent.session)
                    }
                    throw error
                }
            }
            var added = 0
            if !change.wraps.isEmpty {
                // FOR SHARE: a concurrent beginDisposal either committed (not live: skipped) or waits for us.
                try await tx.lockRecordings(change.wraps.map(\.recording), mode: "FOR SHARE")
                for wrap in change.wraps {
                    added += try await tx.changes("""
                        INSERT INTO wraps (recording_id, role, key_id, wrapped)
                        SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM recordings WHERE id = $1 AND state = 'live')
                        ON CONFLICT (recording_id, role) DO NOTHING RETURNING 1
                        """, [.bytes(wrap.recording.bytes), .text(wrap.role), .text(wrap.keyID), .bytes(wrap.wrapped)])
                }
            }
            try await applyDueUpdates(change.dueUpdates, in: tx)
            var entry = change.audit
            if !change.wraps.isEmpty { entry.detail = [change.audit.detail, "\(added) wraps added"].compactMap { $0 }.joined(separator: "; ") }
            try await tx.appendAudit(entry)
            return added
        }
    }

    public func consents(session: String) async throws(CatalogError) -> [ConsentRecord] {
        try await query("""
            SELECT id, session, patient, scope, evidence_sealed, given_on, recorded_at_ms, withdrawn_on, withdrawal_recorded_at_ms,
                other_participants, superseded_on, renews_id
            FROM consents WHERE session = $1 ORDER BY id
            """, [.text(session)]) { row throws(CatalogError) in
            ConsentRecord(id: try row.int(0), session: try row.text(1), patient: try row.text(2), scope: try row.text(3),
                          evidenceSealed: try row.optionalBlob(4), givenOn: try row.text(5), recordedAt: date(try row.int(6)),
                          withdrawnOn: try row.optionalText(7), withdrawalRecordedAt: try row.optionalInt(8).map(date),
                          otherParticipants: try row.bool(9), supersededOn: try row.optionalText(10), renews: try row.optionalInt(11))
        }
    }

    // MARK: - Recordings

    public func beginStaging(_ staging: StagingRecord) async throws(CatalogError) {
        _ = try await query("""
            INSERT INTO recordings (id, state, session, clinician, class, created_at_ms, staging_pid, staging_host)
            VALUES ($1, 'staging', $2, $3, $4, $5, $6, $7)
            """, [.bytes(staging.id.bytes), .text(staging.session), .text(staging.clinician), .text(staging.retentionClass),
                  .int(millis(staging.startedAt)), .int(Int64(staging.processID)), .text(staging.host)]) { _ in () }
    }

    public func stagingRecords() async throws(CatalogError) -> [StagingRecord] {
        try await query("""
            SELECT id, session, clinician, class, created_at_ms, staging_pid, staging_host FROM recordings
            WHERE state = 'staging' ORDER BY created_at_ms, id
            """) { row throws(CatalogError) in
            StagingRecord(id: try RecordingID(bytes: row.blob(0)), session: try row.text(1), clinician: try row.text(2),
                          retentionClass: try row.text(3), startedAt: date(try row.int(4)),
                          processID: Int32(truncatingIfNeeded: try row.int(5)), host: try row.text(6))
        }
    }

    public func discardStaging(_ id: RecordingID, audit: AuditDraft) async throws(CatalogError) {
        try await transaction { (tx) throws(CatalogError) in
            let state = try await tx.queryOne("SELECT state FROM recordings WHERE id = $1 FOR UPDATE", [.bytes(id.bytes)]) { row throws(CatalogError) in
                try row.text(0)
            }
            guard state == RecordingState.staging.rawValue else { throw .notFound(what: "staging recording", id: id.description) }
            try await tx.run("DELETE FROM chunks WHERE recording_id = $1", [.bytes(id.bytes)])
            try await tx.run("DELETE FROM wraps WHERE recording_id = $1", [.bytes(id.bytes)])
            try await tx.run("DELETE FROM recordings WHERE id = $1", [.bytes(id.bytes)])
            try await tx.appendAudit(audit)
        }
    }

    public func commitRecording(_ recording: RecordingRecord, chunks: [ChunkRecord], wraps: [WrapRecord], consentedScopes: [String]?,
                                audit: AuditDraft) async throws(CatalogError) {
        try await transaction { (tx) throws(CatalogError) in
            if let consentedScopes {
                // The session's consent lock (as recordConsents and withdrawConsent take it): no
                // withdrawal commits between this check and this commit, so none misses its wraps.
                try await tx.run("SELECT pg_advisory_xact_lock(\(LockKeys.consentNamespace), \(LockKeys.objectID("consent:" + recording.session)))")
                let active = try await tx.query(
                    "SELECT DISTINCT scope FROM consents WHERE session = $1 AND withdrawn_on IS NULL AND superseded_on IS NULL ORDER BY scope",
                    [.text(recording.session)]) { row throws(CatalogError) in try row.text(0) }
                let expected = Array(Set(consentedScopes)).sorted()
                guard active == expected else { throw .consentChanged(session: recording.session, expected: expected, found: active) }
            }
            let id = PGValue.bytes(recording.id.bytes)
            let state = try await tx.queryOne("SELECT state FROM recordings WHERE id = $1 FOR UPDATE", [id]) { row throws(CatalogError) in
                try row.text(0)
            }
            guard let state else { throw .notFound(what: "staging recording", id: recording.id.description) }
            guard state == RecordingState.staging.rawValue else {
                throw .invalidState(recording: recording.id.description, expected: "staging", found: state)
            }
            try await tx.run("""
                UPDATE recordings SET state = 'live', session = $1, patient = $2, clinician = $3, class = $4, media_type = $5,
                    byte_count = $6, chunk_size = $7, chunk_count = $8, algorithm = $9, manifest = $10, manifest_tag = $11,
                    created_at_ms = $12, captured_on = $13, due_on = $14, disposition = $15, retention_rule = $16, source_id = $17,
                    media_facts = $18, staging_pid = NULL, staging_host = NULL
                WHERE id = $19
                """, [.text(recording.session), .text(recording.patient), .text(recording.clinician), .text(recording.retentionClass),
                      .text(recording.mediaType), .int(recording.byteCount), .int(Int64(recording.chunkSize)),
                      .int(Int64(recording.chunkCount)), .int(Int64(recording.algorithm)), .bytes(recording.manifest),
                      .bytes(recording.manifestTag), .int(millis(recording.createdAt)), .text(recording.capturedOn),
                      .optional(recording.dueOn), .optional(recording.disposition), .optional(recording.retentionRule),
                      .optional(recording.sourceID?.bytes), .optional(recording.mediaFacts), id])
            if !chunks.isEmpty {
                try await tx.run("""
                    INSERT INTO chunks (recording_id, idx, sealed_size, digest)
                    SELECT $1, c.idx, c.sealed_size, decode(c.digest, 'hex') FROM unnest($2::bigint[], $3::bigint[], $4::text[]) AS c(idx, sealed_size, digest)
                    """, [id, .ints(chunks.map { Int64($0.index) }), .ints(chunks.map { Int64($0.sealedSize) }), .hex(chunks.map(\.digest))])
            }
            if !wraps.isEmpty {
                try await tx.run("""
                    INSERT INTO wraps (recording_id, role, key_id, wrapped)
                    SELECT $1, w.role, w.key_id, decode(w.wrapped, 'hex') FROM unnest($2::text[], $3::text[], $4::text[]) AS w(role, key_id, wrapped)
                    """, [id, .texts(wraps.map(\.role)), .texts(wraps.map(\.keyID)), .hex(wraps.map(\.wrapped))])
            }
            try await tx.appendAudit(audit)
        }
    }

    static let recordingColumns = """
        id, state, session, patient, clinician, class, media_type, byte_count, chunk_size, chunk_count, algorithm,
        manifest, manifest_tag, created_at_ms, captured_on, due_on, disposition, retention_rule, source_id, media_facts,
        disposal_authorised_by, disposal_started_ms
        """

    static let recordingColumnsR = recordingColumns.split(separator: ",")
        .map { "r." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    static func recordingRow(_ row: PGRow) throws(CatalogError) -> RecordingRecord {
        let id = try RecordingID(bytes: row.blob(0))
        let stateText = try row.text(1)
        guard let state = RecordingState(rawValue: stateText) else {
            throw .corruptRow(table: "recordings", id: id.description, reason: "unknown state '\(stateText)'")
        }
        let source = try row.optionalBlob(18)
        var record = RecordingRecord(
            id: id, state: state, session: try row.text(2), patient: try row.optionalText(3) ?? "", clinician: try row.text(4),
            retentionClass: try row.text(5), mediaType: try row.optionalText(6) ?? "", byteCount: try row.optionalInt(7) ?? 0,
            chunkSize: Int(try row.optionalInt(8) ?? 0), chunkCount: Int(try row.optionalInt(9) ?? 0),
            algorithm: UInt8(truncatingIfNeeded: try row.optionalInt(10) ?? 0), manifest: try row.optionalBlob(11) ?? [],
            manifestTag: try row.optionalBlob(12) ?? [], createdAt: date(try row.int(13)), capturedOn: try row.optionalText(14) ?? "",
            dueOn: try row.optionalText(15), disposition: try row.optionalText(16), retentionRule: try row.optionalText(17),
            sourceID: try source.map { (bytes) throws(CatalogError) in try RecordingID(bytes: bytes) }, mediaFacts: try row.optionalText(19))
        record.disposalAuthorisedBy = try row.optionalText(20)
        record.disposalStartedAt = try row.optionalInt(21).map(date)
        return record
    }

    public func recording(_ id: RecordingID) async throws(CatalogError) -> RecordingRecord? {
        try await queryOne("SELECT \(Self.recordingColumns) FROM recordings WHERE id = $1 AND state <> 'staging'", [.bytes(id.bytes)],
                           Self.recordingRow)
    }

    public func recordings(_ filter: RecordingFilter) async throws(CatalogError) -> [RecordingRecord] {
        var b = PGStatementBuilder()
        var clauses = ["state = ANY(\(b.bind(.texts(filter.states.map(\.rawValue).sorted())))::text[])"]
        if let patient = filter.patient { clauses.append("patient = \(b.bind(.text(patient)))") }
        if let clinician = filter.clinician { clauses.append("clinician = \(b.bind(.text(clinician)))") }
        if let session = filter.session { clauses.append("session = \(b.bind(.text(session)))") }
        if let source = filter.source { clauses.append("source_id = \(b.bind(.bytes(source.bytes)))") }
        if filter.dueUndetermined { clauses.append("due_on IS NULL") }
        if let retentionClass = filter.retentionClass { clauses.append("class = \(b.bind(.text(retentionClass)))") }
        if let since = filter.since { clauses.append("created_at_ms >= \(b.bind(.int(millis(since))))") }
        if let after = filter.after { clauses.append("id > \(b.bind(.bytes(after.bytes)))") }
        let order = filter.after == nil ? "created_at_ms, id" : "id"
        var sql = "SELECT \(Self.recordingColumns) FROM recordings WHERE \(clauses.joined(separator: " AND ")) ORDER BY \(order)"
        if let limit = filter.limit { sql += " LIMIT \(max(0, limit))" }
        return try await query(sql, b.values, Self.recordingRow)
    }

    public func chunks(of id: RecordingID, in range: Range<Int>) async throws(CatalogError) -> [ChunkRecord] {
        try await query("SELECT idx, sealed_size, digest FROM chunks WHERE recording_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
                        [.bytes(id.bytes), .int(Int64(range.lowerBound)), .int(Int64(range.upperBound))]) { row throws(CatalogError) in
            ChunkRecord(index: Int(try row.int(0)), sealedSize: Int(try row.int(1)), digest: try row.blob(2))
        }
    }

    public func wrap(of id: RecordingID, role: String) async throws(CatalogError) -> WrapRecord? {
        try await queryOne("SELECT recording_id, role, key_id, wrapped FROM wraps WHERE recording_id = $1 AND role = $2",
                           [.bytes(id.bytes), .text(role)], Self.wrapRow)
    }

    public func wrapRoles(of id: RecordingID) async throws(CatalogError) -> [String] {
        try await query("SELECT role FROM wraps WHERE recording_id = $1 ORDER BY role", [.bytes(id.bytes)]) { row throws(CatalogError) in
            try row.text(0)
        }
    }

    public func recordingsWrapped(for role: String, among ids: [RecordingID]) async throws(CatalogError) -> Set<RecordingID> {
        guard !ids.isEmpty else { return [] }
        return Set(try await query("""
            SELECT recording_id FROM wraps WHERE role = $1 AND recording_id IN (SELECT decode(h, 'hex') FROM unnest($2::text[]) AS h)
            """, [.text(role), .hex(ids.map(\.bytes))]) { row throws(CatalogError) in try RecordingID(bytes: row.blob(0)) })
    }

    static func wrapRow(_ row: PGRow) throws(CatalogError) -> WrapRecord {
        WrapRecord(recording: try RecordingID(bytes: row.blob(0)), role: try row.text(1), keyID: try row.text(2), wrapped: try row.blob(3))
    }

    public func knownRecordings(among ids: [RecordingID]) async throws(CatalogError) -> Set<RecordingID> {
        guard !ids.isEmpty else { return [] }
        return Set(try await query("""
            SELECT id FROM recordings WHERE id IN (SELECT decode(h, 'hex') FROM unnest($1::text[]) AS h) AND state <> 'destroyed'
            """, [.hex(ids.map(\.bytes))]) { row throws(CatalogError) in try RecordingID(bytes: row.blob(0)) })
    }

    public func setMediaFacts(_ id: RecordingID, json: String) async throws(CatalogError) {
        let changed = try await query("UPDATE recordings SET media_facts = $1 WHERE id = $2 AND state = 'live' RETURNING 1",
                                      [.text(json), .bytes(id.bytes)]) { _ in () }.count
        guard changed == 1 else { throw .notFound(what: "live recording", id: id.description) }
    }

    // MARK: - Audit

    public func appendAudit(_ draft: AuditDraft) async throws(CatalogError) {
        try await transaction { (tx) throws(CatalogError) in try await tx.appendAudit(draft) }
    }

    static let auditColumns = "seq, time_ms, actor, role, action, target, purpose, outcome, detail, prev_hash, hash"

    public func auditEntries(after: Int64, limit: Int) async throws(CatalogError) -> [AuditEntry] {
        try await query("SELECT \(Self.auditColumns) FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2",
                        [.int(after), .int(Int64(max(0, limit)))], Self.auditRow)
    }

    static func auditRow(_ row: PGRow) throws(CatalogError) -> AuditEntry {
        AuditEntry(sequence: try row.int(0), timeMillis: try row.int(1),
                   draft: AuditDraft(actor: try row.text(2), role: try row.optionalText(3), recordedAction: try row.text(4),
                                     target: try row.optionalText(5), purpose: try row.optionalText(6), outcome: try row.text(7),
                                     detail: try row.optionalText(8)),
                   previousHash: try row.blob(9), hash: try row.blob(10))
    }
}

/// The advisory lock keys (two `int4` keys each; see ``PostgresCatalog``).
enum LockKeys {
    /// `'SVLT'`: the catalog's own transaction-level locks.
    static let namespace: Int32 = 0x5356_4C54
    static let migrate: Int32 = 1
    static let audit: Int32 = 2
    /// `'SVCS'`: consents of one session.
    static let consentNamespace: Int32 = 0x5356_4353
    /// `'SVXL'`: ``Catalog/withExclusiveLock(_:_:)`` locks, by name.
    static let exclusiveNamespace: Int32 = 0x5356_584C

    /// A stable, non-negative 31-bit key for a name: the first four bytes of SHA-256(`sessionvault.lock.v1:` + name).
    static func objectID(_ name: String) -> Int32 {
        let digest = Array(SHA256.hash(data: Array("sessionvault.lock.v1:\(name)".utf8)))
        let value = UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
        return Int32(bitPattern: value & 0x7fff_ffff)
    }
}

/// A transaction in progress on one connection. Not shared: it lives inside one
/// ``PostgresCatalog/transaction(_:)`` call.
final class PGTransaction {
    let connection: PGConnection
    let clock: @Sendable () -> Date
    /// The chain head once this transaction holds the audit lock (it then appends without asking again).
    private var head: (sequence: Int64, hash: [UInt8])?

    init(connection: PGConnection, clock: @escaping @Sendable () -> Date) {
        self.connection = connection
        self.clock = clock
    }

    @discardableResult
    func query<T>(_ sql: String, _ values: [PGValue] = [], _ map: (PGRow) throws(CatalogError) -> T) async throws(CatalogError) -> [T] {
        try await connection.query(sql, values, map)
    }

    func queryOne<T>(_ sql: String, _ values: [PGValue] = [], _ map: (PGRow) throws(CatalogError) -> T) async throws(CatalogError) -> T? {
        try await connection.queryOne(sql, values, map)
    }

    func run(_ sql: String, _ values: [PGValue] = []) async throws(CatalogError) { try await connection.run(sql, values) }

    func changes(_ sql: String, _ values: [PGValue] = []) async throws(CatalogError) -> Int { try await connection.changes(sql, values) }

    /// Locks the rows of these recordings (those that exist) in id order, so that two transactions
    /// locking overlapping sets cannot deadlock; returns each locked recording's state.
    @discardableResult
    func lockRecordings(_ ids: [RecordingID], mode: String) async throws(CatalogError) -> [RecordingID: String] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await query("""
            SELECT id, state FROM recordings WHERE id IN (SELECT decode(h, 'hex') FROM unnest($1::text[]) AS h) ORDER BY id \(mode)
            """, [.hex(Array(Set(ids)).map(\.bytes))]) { row throws(CatalogError) in (try RecordingID(bytes: row.blob(0)), try row.text(1)) }
        return Dictionary(rows, uniquingKeysWith: { a, _ in a })
    }

    func appendAudit(_ draft: AuditDraft) async throws(CatalogError) { try await appendAudit([draft]) }

    /// Appends entries to the chain, in order. The first append of a transaction takes the audit
    /// lock (held to commit) and then reads the head: a new statement, so at READ COMMITTED it sees
    /// every append committed before the lock was granted.
    func appendAudit(_ drafts: [AuditDraft]) async throws(CatalogError) {
        guard !drafts.isEmpty else { return }
        if head == nil {
            try await run("SELECT pg_advisory_xact_lock(\(LockKeys.namespace), \(LockKeys.audit))")
            head = try await queryOne("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1") { row throws(CatalogError) in
                (try row.int(0), try row.blob(1))
            } ?? (0, AuditEntry.genesisHash)
        }
        guard let current = head else { return }
        var sequence = current.sequence
        var previous = current.hash
        var rows: [[PGValue]] = []
        rows.reserveCapacity(drafts.count)
        for draft in drafts {
            sequence += 1
            let time = millis(clock())
            let hash = AuditEntry.computeHash(sequence: sequence, timeMillis: time, draft: draft, previousHash: previous)
            rows.append([.int(sequence), .int(time), .text(draft.actor), .optional(draft.role), .text(draft.action), .optional(draft.target),
                         .optional(draft.purpose), .text(draft.outcome), .optional(draft.detail), .bytes(previous), .bytes(hash)])
            previous = hash
        }
        try await connection.insert(into: "audit", columns: ["seq", "time_ms", "actor", "role", "action", "target", "purpose", "outcome",
                                                             "detail", "prev_hash", "hash"], rows: rows)
        head = (sequence, previous)
    }
}

extension PostgresConfiguration {
    /// The TLS settings for this catalog's connections (nil: plain TCP): the server's certificate is
    /// verified, with its host name, against `sslrootcert`'s CAs or else the system's trust store.
    /// The CA file is read here, so a missing or empty one is an error naming it, not a failed handshake.
    func tlsConfiguration(context: PGContext) throws(CatalogError) -> TLSConfiguration? {
        guard sslMode != .disable else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let path = sslRootCertificatePath {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw .open(path: redactedURL, message: "sslrootcert '\(path)' cannot be read (no such file, or no permission)")
            }
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(path)
            } catch {
                throw .open(path: redactedURL, message: "sslrootcert '\(path)': cannot read CA certificates (\(context.scrub("\(error)")))")
            }
            guard !certificates.isEmpty else {
                throw .open(path: redactedURL, message: "sslrootcert '\(path)' holds no PEM certificate")
            }
            tls.trustRoots = .certificates(certificates)
        }
        return tls
    }
}
