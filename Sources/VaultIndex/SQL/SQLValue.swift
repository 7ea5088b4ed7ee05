import Foundation

/// A value bound to, or read from, an SQL statement on either backend.
enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    /// A truth value: `boolean` on PostgreSQL, 0 or 1 on SQLite (which has no such type).
    case bool(Bool)

    static func optional(_ text: String?) -> SQLValue { text.map { .text($0) } ?? .null }
    static func optional(_ int: Int64?) -> SQLValue { int.map { .integer($0) } ?? .null }
    static func optional(_ bytes: [UInt8]?) -> SQLValue { bytes.map { .blob($0) } ?? .null }
    static func optional(_ date: Date?) -> SQLValue { date.map { .integer(VaultIndex.millis($0)) } ?? .null }
    static func millis(_ date: Date) -> SQLValue { .integer(VaultIndex.millis(date)) }
}

/// One result row, read by column position, whatever the backend.
protocol SQLRowReading {
    func int(_ column: Int) throws(CatalogError) -> Int64
    func optionalInt(_ column: Int) throws(CatalogError) -> Int64?
    func text(_ column: Int) throws(CatalogError) -> String
    func optionalText(_ column: Int) throws(CatalogError) -> String?
    func blob(_ column: Int) throws(CatalogError) -> [UInt8]
    func optionalBlob(_ column: Int) throws(CatalogError) -> [UInt8]?
    func bool(_ column: Int) throws(CatalogError) -> Bool
}

extension SQLRowReading {
    func recordingID(_ column: Int) throws(CatalogError) -> RecordingID { try RecordingID(bytes: blob(column)) }

    func optionalRecordingID(_ column: Int) throws(CatalogError) -> RecordingID? {
        try optionalBlob(column).map { (bytes) throws(CatalogError) in try RecordingID(bytes: bytes) }
    }

    func date(_ column: Int) throws(CatalogError) -> Date { VaultIndex.date(try int(column)) }

    func optionalDate(_ column: Int) throws(CatalogError) -> Date? { try optionalInt(column).map(VaultIndex.date) }
}
