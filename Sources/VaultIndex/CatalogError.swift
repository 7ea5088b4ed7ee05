/// What went wrong in the catalog. Descriptions carry SQL and the database's message, never
/// bound values (wrapped keys, pseudonyms).
public enum CatalogError: Error, Equatable, CustomStringConvertible {
    case open(path: String, message: String)
    case sqlite(code: Int32, message: String, sql: String)
    case constraint(message: String, sql: String)
    case schemaTooNew(found: Int, supported: Int)
    case migrationFailed(name: String, message: String)
    case notFound(what: String, id: String)
    case alreadyExists(what: String, id: String)
    case invalidState(recording: String, expected: String, found: String)
    case corruptRow(table: String, id: String, reason: String)
    case backend(message: String)
    /// A session's active consent scopes changed while a recording was being made (see ``Catalog/commitRecording(_:chunks:wraps:consentedScopes:audit:)``).
    case consentChanged(session: String, expected: [String], found: [String])
    /// A row changed between the read a change was computed from and its write (optimistic concurrency).
    case changedConcurrently(what: String, id: String)

    public var description: String {
        switch self {
        case .open(let path, let message): return "cannot open catalog '\(path)': \(message)"
        case .sqlite(let code, let message, let sql): return "catalog error \(code): \(message) (in: \(sql.prefix(120)))"
        case .constraint(let message, let sql): return "catalog constraint violated: \(message) (in: \(sql.prefix(120)))"
        case .schemaTooNew(let found, let supported):
            return "catalog schema version \(found) is newer than this program supports (\(supported)); upgrade sessionvault"
        case .migrationFailed(let name, let message): return "catalog migration '\(name)' failed: \(message)"
        case .notFound(let what, let id): return "\(what) '\(id)' not found in the catalog"
        case .alreadyExists(let what, let id): return "\(what) '\(id)' already exists"
        case .invalidState(let recording, let expected, let found):
            return "recording \(recording) is \(found), expected \(expected)"
        case .corruptRow(let table, let id, let reason): return "catalog row \(table)/\(id) is corrupt: \(reason)"
        case .backend(let message): return "catalog backend error: \(message)"
        case .changedConcurrently(let what, let id): return "\(what) '\(id)' was changed by someone else meanwhile; nothing was written: try again"
        case .consentChanged(let session, let expected, let found):
            return "the consent of session '\(session)' changed during the ingest (scopes \(expected.joined(separator: ",")) became \(found.isEmpty ? "none" : found.joined(separator: ",")))"
        }
    }

    /// A PostgreSQL serialization failure (SQLSTATE 40001) or deadlock (40P01): the server rolled the
    /// transaction back, and ``PostgresCatalog`` runs it again from the start.
    var isRetryable: Bool {
        guard case .backend(let message) = self else { return false }
        return ["40001", "40P01"].contains { message.hasPrefix("PostgreSQL \($0):") }
    }
}
