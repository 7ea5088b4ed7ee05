import Foundation
import Logging
import PostgresNIO

/// One result row, read by column position. Decoding failures become ``CatalogError/corruptRow(table:id:reason:)``
/// naming the column and types, never the data.
struct PGRow: SQLRowReading {
    let cells: PostgresRandomAccessRow

    private func decode<T: PostgresDecodable>(_ column: Int, as type: T.Type) throws(CatalogError) -> T? {
        let cell = cells[column]
        guard cell.bytes != nil else { return nil }
        do {
            return try cell.decode(T.self)
        } catch {
            throw .corruptRow(table: "?", id: cell.columnName, reason: "column \(cell.columnName) of type \(cell.dataType) is not a \(T.self)")
        }
    }

    private func required<T>(_ value: T?, _ column: Int) throws(CatalogError) -> T {
        guard let value else {
            let name = cells[column].columnName
            throw .corruptRow(table: "?", id: name, reason: "column \(name) is NULL")
        }
        return value
    }

    func int(_ column: Int) throws(CatalogError) -> Int64 { try required(optionalInt(column), column) }
    func optionalInt(_ column: Int) throws(CatalogError) -> Int64? {
        switch cells[column].dataType {
        case .int4: return try decode(column, as: Int32.self).map(Int64.init)
        case .int2: return try decode(column, as: Int16.self).map(Int64.init)
        default: return try decode(column, as: Int64.self)
        }
    }
    func text(_ column: Int) throws(CatalogError) -> String { try required(optionalText(column), column) }
    func optionalText(_ column: Int) throws(CatalogError) -> String? { try decode(column, as: String.self) }
    func blob(_ column: Int) throws(CatalogError) -> [UInt8] { try required(optionalBlob(column), column) }
    func optionalBlob(_ column: Int) throws(CatalogError) -> [UInt8]? { try decode(column, as: Data.self).map { [UInt8]($0) } }
    func bool(_ column: Int) throws(CatalogError) -> Bool { try required(decode(column, as: Bool.self), column) }
}

/// One connection (leased from the pool, or a catalog's dedicated lock connection) with typed,
/// redacting error mapping. Errors carry SQLSTATE, the server's primary message and the SQL, never
/// bound values, the server's DETAIL (which quotes key values) or the password.
struct PGConnection {
    let connection: PostgresConnection
    let context: PGContext

    @discardableResult
    nonisolated(nonsending) func query<T>(_ sql: String, _ values: [SQLValue] = [], _ map: (PGRow) throws(CatalogError) -> T) async throws(CatalogError) -> [T] {
        var binds = PostgresBindings(capacity: values.count)
        do {
            for value in values {
                switch value {
                case .null: binds.appendNull()
                case .integer(let v): binds.append(v)
                case .real(let v): binds.append(v)
                case .text(let v): binds.append(v)
                case .blob(let v): try binds.append(Data(v))
                case .bool(let v): binds.append(v)
                }
            }
        } catch {
            throw .backend(message: "cannot encode a parameter for: \(sql.prefix(120))")
        }
        // The driver never answers a query written to a connection that has closed (the server ended
        // it, or restarted): ask first. (A close in the instant between this and the write is not
        // covered; dedicated lock connections also race their queries against closing.)
        guard !connection.isClosed else {
            throw .backend(message: "PostgreSQL connection to \(context.configuration.endpoint) is closed (in: \(sql.prefix(120)))")
        }
        let rows: [PostgresRow]
        do {
            rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: context.queryLogger).collect()
        } catch {
            throw context.map(error, sql: sql)
        }
        return try rows.map { (row) throws(CatalogError) in try map(PGRow(cells: row.makeRandomAccess())) }
    }

    /// Closes the connection (errors ignored: it is being discarded).
    func close() async {
        let closeAsync: () async throws -> Void = connection.close
        try? await closeAsync()
    }

    /// Runs a statement and discards any rows.
    func run(_ sql: String, _ values: [SQLValue] = []) async throws(CatalogError) {
        try await query(sql, values) { _ in () }
    }

    /// Runs `body` in a transaction begun with `begin`; commits if it returns, rolls back if it throws.
    /// A connection that cannot roll back is closed: it must not go back to the pool mid-transaction.
    func transaction<T>(_ begin: String, _ body: () async throws -> T) async throws -> T {
        try await run(begin)
        do {
            let result = try await body()
            try await run("COMMIT")
            return result
        } catch {
            do throws(CatalogError) {
                try await run("ROLLBACK")
            } catch {
                await close()
            }
            throw error
        }
    }
}

/// What every connection of one catalog shares: where it points (for error messages), the password
/// (only to scrub it from messages) and the loggers.
struct PGContext: Sendable {
    let configuration: PostgresConfiguration
    let logger: Logger
    /// postgres-nio logs statements at trace level, with parameters: queries get a logger that drops everything.
    let queryLogger = Logger(label: "sessionvault.catalog.postgres.query", factory: { _ in SwiftLogNoOpLogHandler() })

    func scrub(_ text: String) -> String {
        guard let password = configuration.password, password.count >= 1 else { return text }
        return text.replacingOccurrences(of: password, with: "(redacted)")
    }

    /// Turns any error of the driver or the pool into a ``CatalogError``.
    func map(_ error: any Error, sql: String) -> CatalogError {
        if let error = error as? CatalogError { return error }
        let statement = String(sql.prefix(120))
        if let error = error as? PSQLError {
            if let info = error.serverInfo {
                let state = info[.sqlState] ?? "?????"
                let message = scrub(info[.message] ?? "no message")
                if state.hasPrefix("23") { return .constraint(message: "\(message) [SQLSTATE \(state)]", sql: statement) }
                return .backend(message: "PostgreSQL \(state): \(message) (in: \(statement))")
            }
            return .backend(message: scrub("PostgreSQL connection to \(configuration.endpoint) failed: \(describe(error))") + " (in: \(statement))")
        }
        if error is CancellationError { return .backend(message: "cancelled (in: \(statement))") }
        let kind = String(describing: type(of: error))
        if kind.contains("ConnectionPoolError") {
            let reason = "\(error)".contains("Shutdown") ? "the catalog is closed"
                : "\(error)".contains("CircuitBreaker") ? "no connection could be made for 60 s" : "\(error)"
            return .backend(message: "PostgreSQL at \(configuration.endpoint): \(reason)")
        }
        return .backend(message: scrub("PostgreSQL at \(configuration.endpoint): \(kind)"))
    }

    /// A connection-level failure in words: the driver's code and the system error underneath
    /// (e.g. `connectionError: Connection refused (errno: 111)`).
    func describe(_ error: PSQLError) -> String {
        var text = error.code.description
        if let underlying = error.underlying { text += ": \(underlying)" }
        return scrub(text)
    }
}

/// The catalog's rules on PostgreSQL: a pooled ``PGConnection`` as an ``SQLSession``, inside the
/// transaction ``PostgresCatalog/write(_:)`` began (or none, for reads).
struct PGSession: SQLSession {
    let connection: PGConnection

    var dialect: SQLDialect { .postgres }

    nonisolated(nonsending) func query<T>(_ sql: String, _ values: [SQLValue], _ map: (any SQLRowReading) throws(CatalogError) -> T) async throws(CatalogError) -> [T] {
        try await connection.query(dialect.render(sql), values) { (row) throws(CatalogError) in try map(row) }
    }

    /// Multi-row `INSERT ... VALUES`: one round trip per 60,000 parameters.
    nonisolated(nonsending) func insert(into table: String, columns: [String], rows: [[SQLValue]]) async throws(CatalogError) {
        let batch = max(1, 60_000 / columns.count)
        for start in stride(from: 0, to: rows.count, by: batch) {
            let slice = rows[start..<min(rows.count, start + batch)]
            let tuples = Array(repeating: SQLDialect.placeholders(columns.count), count: slice.count).joined(separator: ", ")
            try await connection.run(dialect.render("INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(tuples)"), slice.flatMap { $0 })
        }
    }

    /// Transaction-level advisory locks (``LockKeys``), released at commit or rollback.
    nonisolated(nonsending) func take(_ lock: CatalogLock) async throws(CatalogError) {
        let keys = switch lock {
        case .auditChain: "\(LockKeys.namespace), \(LockKeys.audit)"
        case .migrations: "\(LockKeys.namespace), \(LockKeys.migrate)"
        case .consents(let session): "\(LockKeys.consentNamespace), \(LockKeys.objectID("consent:" + session))"
        }
        try await connection.run("SELECT pg_advisory_xact_lock(\(keys))")
    }

    nonisolated(nonsending) func apply(_ migration: CatalogMigrations.Migration) async throws(CatalogError) {
        for statement in migration.statements(dialect) { try await connection.run(dialect.render(statement)) }
    }
}
