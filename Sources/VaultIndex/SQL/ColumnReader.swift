import Foundation

/// Reads the shared model's typed values (dates, dispositions, chunk algorithms, media facts) from
/// the text and integer columns that store them. A stored value that does not parse is a
/// ``CatalogError/corruptRow(table:id:reason:)`` naming the column and the row, never a default.
struct ColumnReader {
    let row: any SQLRowReading
    let table: String
    let id: String

    func civilDate(_ column: Int, _ name: String) throws(CatalogError) -> CivilDate { try required(optionalCivilDate(column, name), name) }

    func optionalCivilDate(_ column: Int, _ name: String) throws(CatalogError) -> CivilDate? {
        try parsed(column, name, as: "a date (YYYY-MM-DD)") { CivilDate($0) }
    }

    func disposition(_ column: Int, _ name: String) throws(CatalogError) -> Disposition { try required(optionalDisposition(column, name), name) }

    func optionalDisposition(_ column: Int, _ name: String) throws(CatalogError) -> Disposition? {
        try parsed(column, name, as: "a disposition") { Disposition(rawValue: $0) }
    }

    func optionalMediaFacts(_ column: Int, _ name: String) throws(CatalogError) -> MediaFacts? {
        try parsed(column, name, as: "media facts (JSON)") { try? JSONDecoder().decode(MediaFacts.self, from: Data($0.utf8)) }
    }

    func algorithm(_ column: Int, _ name: String) throws(CatalogError) -> ChunkAlgorithm {
        let value = try required(row.optionalInt(column), name)
        guard let byte = UInt8(exactly: value), let algorithm = ChunkAlgorithm(rawValue: byte) else {
            throw corrupt(name, "\(value) is not a chunk algorithm")
        }
        return algorithm
    }

    private func parsed<T>(_ column: Int, _ name: String, as what: String, _ parse: (String) -> T?) throws(CatalogError) -> T? {
        guard let text = try row.optionalText(column) else { return nil }
        guard let value = parse(text) else { throw corrupt(name, "'\(text.prefix(32))' is not \(what)") }
        return value
    }

    private func required<T>(_ value: T?, _ name: String) throws(CatalogError) -> T {
        guard let value else { throw corrupt(name, "is empty") }
        return value
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
