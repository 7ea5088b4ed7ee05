/// What the catalog's SQL says differently on SQLite and on PostgreSQL. Every rule is written
/// once (``CatalogTransaction``) with `?` placeholders and asks the dialect for the few fragments
/// that differ; everything else (`RETURNING`, `ON CONFLICT`, row values, `FILTER`) both speak alike.
struct SQLDialect: Sendable {
    enum Backend: Sendable { case sqlite, postgres }

    /// How a transaction keeps a row it has decided on from changing before it commits.
    enum RowLock: String, Sendable {
        case update = "FOR UPDATE"
        case share = "FOR SHARE"
    }

    let backend: Backend

    static let sqlite = SQLDialect(backend: .sqlite)
    static let postgres = SQLDialect(backend: .postgres)

    /// Whether `SELECT ... FOR UPDATE / FOR SHARE` means anything. On SQLite a write transaction
    /// (`BEGIN IMMEDIATE`) already holds the one write lock of the whole file, so no other writer
    /// can change a row it has read; PostgreSQL's writers run side by side and lock rows.
    var locksRows: Bool { backend == .postgres }

    /// The clause that locks the rows a `SELECT` returns (empty on SQLite; see ``locksRows``).
    func rowLock(_ lock: RowLock) -> String { locksRows ? " " + lock.rawValue : "" }

    /// The larger of two values: SQLite's two-argument `max`, PostgreSQL's `GREATEST`.
    func greatest(_ a: String, _ b: String) -> String {
        backend == .sqlite ? "max(\(a), \(b))" : "GREATEST(\(a), \(b))"
    }

    /// An index SQLite's planner must be told to use (it estimates the due-date scans badly without
    /// statistics); PostgreSQL's planner has statistics and no such hint.
    func indexedBy(_ index: String) -> String { backend == .sqlite ? " INDEXED BY \(index)" : "" }

    /// The order recordings arrived in, as a tie-break after the due date. SQLite's `rowid` is
    /// insertion order and comes with every index entry (no sort); PostgreSQL has no rowid and uses
    /// the id, as its index on the due date keys.
    func arrivalOrder(_ alias: String) -> String { backend == .sqlite ? "\(alias).rowid" : "\(alias).id" }

    /// `YYYY-MM` (UTC) of a column of milliseconds since 1970.
    func month(ofMillis column: String) -> String {
        switch backend {
        case .sqlite: "strftime('%Y-%m', \(column) / 1000, 'unixepoch')"
        case .postgres: "to_char(to_timestamp(\(column) / 1000) AT TIME ZONE 'UTC', 'YYYY-MM')"
        }
    }

    /// A query of one truth value: whether the table `name` exists.
    func tableExists(_ name: String) -> String {
        switch backend {
        case .sqlite: "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = '\(name)'"
        case .postgres: "SELECT to_regclass('\(name)') IS NOT NULL"
        }
    }

    /// `sql` with its placeholders in the backend's style: SQLite takes `?` and `?N` as written;
    /// PostgreSQL wants `$N`, so each bare `?` becomes the next number and `?N` becomes `$N`.
    /// Quoted literals and identifiers are left alone.
    func render(_ sql: String) -> String {
        guard backend == .postgres, sql.utf8.contains(UInt8(ascii: "?")) else { return sql }
        let bytes = Array(sql.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var next = 0
        var quote: UInt8?
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if let open = quote {
                out.append(byte)
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                quote = byte
                out.append(byte)
            } else if byte == UInt8(ascii: "?") {
                out.append(UInt8(ascii: "$"))
                let digits = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                if index == digits {
                    next += 1
                    out += Array(String(next).utf8)
                } else {
                    out += bytes[digits..<index]
                }
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `(?, ?, ...)` for `count` values, for `IN` lists.
    static func placeholders(_ count: Int) -> String {
        "(" + Array(repeating: "?", count: count).joined(separator: ", ") + ")"
    }
}
