import CSQLite
import Foundation

/// One SQLite connection. Not thread-safe by itself: exactly one actor owns it.
///
/// Every return code is checked; statements are finalized by ``SQLiteStatement``'s deinit.
/// Error descriptions carry the SQL and SQLite's message, never bound values (which may be
/// wrapped keys or pseudonyms).
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String
    /// Prepared statements of ``run(_:_:)`` and ``query(_:_:_:)``, by SQL text: re-preparing the same
    /// statement for every row costs more than running it.
    private var statementCache: [String: SQLiteStatement] = [:]

    init(path: String, readOnly: Bool = false) throws(CatalogError) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw .open(path: path, message: message)
        }
        self.handle = db
        self.path = path
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// Runs one or more statements with no parameters and no results.
    func execute(_ sql: String) throws(CatalogError) {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw .sqlite(code: rc, message: lastMessage, sql: sql) }
    }

    /// A cached prepared statement for `sql`, reset and with no bindings; prepared on first use.
    func cached(_ sql: String) throws(CatalogError) -> SQLiteStatement {
        if let statement = statementCache.removeValue(forKey: sql) { return statement }
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, 0, &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw .sqlite(code: rc, message: lastMessage, sql: sql) }
        return SQLiteStatement(handle: statement, connection: self, sql: sql)
    }

    /// Returns a statement taken with ``cached(_:)`` to the cache, reset (releasing its read snapshot).
    func release(_ statement: SQLiteStatement) {
        sqlite3_reset(statement.handle)
        sqlite3_clear_bindings(statement.handle)
        if statementCache.count >= 128 { statementCache.removeAll() }
        statementCache[statement.sql] = statement
    }

    /// Runs a statement that returns no rows; returns the number of rows changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLValue] = []) throws(CatalogError) -> Int {
        _ = try query(sql, values) { _ in () }
        return Int(sqlite3_changes64(handle))
    }

    /// Runs a query and maps each row.
    func query<T>(_ sql: String, _ values: [SQLValue] = [], _ map: (SQLiteRow) throws(CatalogError) -> T) throws(CatalogError) -> [T] {
        let statement = try cached(sql)
        defer { release(statement) }
        try statement.bind(values)
        var rows: [T] = []
        while try statement.step() {
            rows.append(try map(SQLiteRow(statement: statement)))
        }
        return rows
    }

    func queryOne<T>(_ sql: String, _ values: [SQLValue] = [], _ map: (SQLiteRow) throws(CatalogError) -> T) throws(CatalogError) -> T? {
        try query(sql, values, map).first
    }

    /// Runs `body` in a transaction begun with `begin` (`BEGIN IMMEDIATE` for a writer, so that writers
    /// queue up front instead of deadlocking on upgrade); commits if it returns, rolls back if it throws.
    /// `body` runs on the caller's executor: SQLite's calls block, so nothing interleaves with it.
    nonisolated(nonsending) func transaction<T>(_ begin: String = "BEGIN IMMEDIATE",
                                                _ body: nonisolated(nonsending) () async throws -> T) async throws -> T {
        try execute(begin)
        do {
            let result = try await body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

/// A prepared statement, finalized when released.
final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let connection: SQLiteConnection
    let sql: String

    init(handle: OpaquePointer, connection: SQLiteConnection, sql: String) {
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    func bind(_ values: [SQLValue]) throws(CatalogError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
            case .bool(let v): rc = sqlite3_bind_int64(handle, index, v ? 1 : 0)
            case .real(let v): rc = sqlite3_bind_double(handle, index, v)
            case .text(let v): rc = csqlite_bind_text_transient(handle, index, v, -1)
            case .blob(let v):
                rc = v.withUnsafeBytes { csqlite_bind_blob_transient(handle, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32($0.count)) }
            }
            guard rc == SQLITE_OK else { throw .sqlite(code: rc, message: connection.lastMessage, sql: sql) }
        }
    }

    /// Advances; true while a row is available.
    func step() throws(CatalogError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = connection.lastMessage
            if rc & 0xff == SQLITE_CONSTRAINT { throw .constraint(message: message, sql: sql) }
            throw .sqlite(code: rc, message: message, sql: sql)
        }
    }
}

/// The current row of a statement. A NULL reads as 0, "" or no bytes where a value is expected.
struct SQLiteRow: SQLRowReading {
    let statement: SQLiteStatement

    func isNull(_ column: Int) -> Bool { sqlite3_column_type(statement.handle, Int32(column)) == SQLITE_NULL }

    func int(_ column: Int) -> Int64 { sqlite3_column_int64(statement.handle, Int32(column)) }

    func optionalInt(_ column: Int) -> Int64? { isNull(column) ? nil : int(column) }

    func bool(_ column: Int) -> Bool { int(column) != 0 }

    func text(_ column: Int) -> String {
        guard let pointer = sqlite3_column_text(statement.handle, Int32(column)) else { return "" }
        return String(cString: pointer)
    }

    func optionalText(_ column: Int) -> String? { isNull(column) ? nil : text(column) }

    func blob(_ column: Int) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement.handle, Int32(column)))
        guard count > 0, let pointer = sqlite3_column_blob(statement.handle, Int32(column)) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: pointer, count: count))
    }

    func optionalBlob(_ column: Int) -> [UInt8]? { isNull(column) ? nil : blob(column) }
}
