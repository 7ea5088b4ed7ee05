import Foundation

/// Reads the shared model's typed values (dates, dispositions, chunk algorithms, media facts) from
/// the text and integer columns that store them. A stored value that does not parse is a
/// ``CatalogError/corruptRow(table:id:reason:)`` naming the column and the row, never a default.
struct ColumnReader {
    let row: any SQLRowReading
    let table: String
    let id: String

    func civilDate(_ column: Int, _ name: String) throws(CatalogError) -> CivilDate {
        guard let date = try optionalCivilDate(column, name) else { throw corrupt(name, "is empty, expected a date") }
        return date
    }

    func optionalCivilDate(_ column: Int, _ name: String) throws(CatalogError) -> CivilDate? {
        guard let text = try row.optionalText(column) else { return nil }
        guard let date = CivilDate(text) else { throw corrupt(name, "'\(text.prefix(32))' is not a date (YYYY-MM-DD)") }
        return date
    }

    func optionalDisposition(_ column: Int, _ name: String) throws(CatalogError) -> Disposition? {
        guard let text = try row.optionalText(column) else { return nil }
        guard let disposition = Disposition(rawValue: text) else { throw corrupt(name, "unknown disposition '\(text.prefix(32))'") }
        return disposition
    }

    func disposition(_ column: Int, _ name: String) throws(CatalogError) -> Disposition {
        guard let disposition = try optionalDisposition(column, name) else { throw corrupt(name, "is empty, expected a disposition") }
        return disposition
    }

    func algorithm(_ column: Int, _ name: String) throws(CatalogError) -> ChunkAlgorithm {
        guard let value = try row.optionalInt(column) else { throw corrupt(name, "is empty, expected a chunk algorithm") }
        guard let byte = UInt8(exactly: value), let algorithm = ChunkAlgorithm(rawValue: byte) else {
            throw corrupt(name, "unknown chunk algorithm \(value)")
        }
        return algorithm
    }

    func optionalMediaFacts(_ column: Int, _ name: String) throws(CatalogError) -> MediaFacts? {
        guard let text = try row.optionalText(column) else { return nil }
        do {
            return try JSONDecoder().decode(MediaFacts.self, from: Data(text.utf8))
        } catch {
            throw corrupt(name, "media facts that do not decode (\(error))")
        }
    }

    private func corrupt(_ column: String, _ reason: String) -> CatalogError {
        .corruptRow(table: table, id: id, reason: "column \(column): \(reason)")
    }
}

extension SQLValue {
    static func date(_ date: CivilDate) -> SQLValue { .text(date.description) }
    static func optional(_ date: CivilDate?) -> SQLValue { date.map { .text($0.description) } ?? .null }
    static func optional(_ disposition: Disposition?) -> SQLValue { disposition.map { .text($0.rawValue) } ?? .null }
    static func algorithm(_ algorithm: ChunkAlgorithm) -> SQLValue { .integer(Int64(algorithm.rawValue)) }

    /// Media facts as the JSON text they are stored as: keys sorted, absent facts omitted.
    static func optional(_ facts: MediaFacts?) throws(CatalogError) -> SQLValue {
        guard let facts else { return .null }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return .text(String(decoding: try encoder.encode(facts), as: UTF8.self))
        } catch {
            throw .backend(message: "cannot encode media facts: \(error)")
        }
    }
}
