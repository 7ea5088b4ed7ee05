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
/// The rules are the ones SQLite runs (``CatalogTransaction``, over a ``PGSession``); what differs
/// is asked of ``SQLDialect`` and ``CatalogLock``. Each ``Catalog`` method is one transaction at READ COMMITTED (set explicitly, whatever the
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
/// objid 1 for ``migrate()``, 2 for audit appends and 3 for erasure tree writers (all transaction-level); classid `0x5356_4353`
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
            let version = try await probe.query("SELECT current_setting('server_version_num')::int") { row throws(CatalogError) in
                try row.int(0)
            }.first ?? 0
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
        if let tls = try configuration.tlsConfiguration(context: context) {
            clientConfiguration.tls = tls.required ? .require(tls.settings) : .prefer(tls.settings)
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

    // MARK: - Connections and transactions

    /// One direct connection outside the pool (the start-up probe, exclusive locks).
    static func connect(_ configuration: PostgresConfiguration, context: PGContext) async throws(CatalogError) -> PGConnection {
        var connectionConfiguration = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user, password: configuration.password,
            database: configuration.database, tls: .disable)
        if let tls = try configuration.tlsConfiguration(context: context) {
            do {
                let sslContext = try NIOSSLContext(configuration: tls.settings)
                connectionConfiguration.tls = tls.required ? .require(sslContext) : .prefer(sslContext)
            } catch {
                throw .open(path: configuration.redactedURL, message: "cannot set up TLS: \(context.scrub("\(error)"))")
            }
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

    /// Runs `body`'s reads on one pooled connection, each statement on its own snapshot (no transaction).
    package func read<T: Sendable>(_ body: sending nonisolated(nonsending) (CatalogTransaction) async throws(CatalogError) -> T)
        async throws(CatalogError) -> T {
        let clock = self.clock
        return try await withConnection { (connection) throws(CatalogError) -> T in
            try await body(CatalogTransaction(session: PGSession(connection: connection), clock: clock))
        }
    }

    /// Each entry in its own transaction: commits from many connections overlap on the server, so
    /// PostgreSQL needs no group commit (SQLite's ``SQLiteCatalog/appendAudit(_:)``).
    public func appendAudit(_ draft: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.appendAudit(draft) }
    }

    /// Nothing to do from a client: dead tuples go at VACUUM, and the WAL and its archive keep what
    /// they keep. The erasure tree is what makes erasure hold on PostgreSQL.
    public func purgeDeleted() async throws(CatalogError) {}

    static let maxAttempts = 5

    /// Runs `body` in one READ COMMITTED transaction on one pooled connection; commits if it returns,
    /// rolls back if it throws. Serialization failures and deadlocks are retried from the start.
    package func write<T: Sendable>(_ body: sending nonisolated(nonsending) (CatalogTransaction) async throws(CatalogError) -> T)
        async throws(CatalogError) -> T {
        var attempt = 1
        while true {
            do throws(CatalogError) {
                return try await withConnection { (connection) throws(CatalogError) -> T in
                    let tx = CatalogTransaction(session: PGSession(connection: connection), clock: clock)
                    do {
                        return try await connection.transaction("BEGIN ISOLATION LEVEL READ COMMITTED") { try await body(tx) }
                    } catch {
                        throw context.map(error, sql: "(a catalog transaction)")
                    }
                }
            } catch {
                guard attempt < Self.maxAttempts, error.isRetryable else { throw error }
                logger.notice("catalog transaction retried after a serialization failure or deadlock",
                              metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(10 * attempt * attempt + Int.random(in: 0...10)))
                attempt += 1
            }
        }
    }
}

/// The advisory lock keys (two `int4` keys each; see ``PostgresCatalog``).
enum LockKeys {
    /// `'SVLT'`: the catalog's own transaction-level locks.
    static let namespace: Int32 = 0x5356_4C54
    static let migrate: Int32 = 1
    static let audit: Int32 = 2
    /// The erasure tree's writers (``PostgresErasureNodeStore``), transaction-level.
    static let erasure: Int32 = 3
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

extension PostgresConfiguration {
    /// The TLS settings for this catalog's connections (nil: plain TCP), and whether TLS is required
    /// (`prefer` falls back to plain TCP): the server's certificate is verified, with its host name,
    /// against `sslrootcert`'s CAs or else the system's trust store. The CA file is read here, so a
    /// missing or empty one is an error naming it, not a failed handshake.
    func tlsConfiguration(context: PGContext) throws(CatalogError) -> (settings: TLSConfiguration, required: Bool)? {
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
        return (tls, sslMode != .prefer)
    }
}
