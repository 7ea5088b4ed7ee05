internal import TOMLKit

/// Typed access to TOML values, recording a problem for anything missing or malformed.
extension ScheduleParser {

    mutating func checkKeys(_ table: TOMLTable, allowed: [String], at path: TOMLPath, in context: String) {
        for key in table.keys where !allowed.contains(key) {
            problem(
                path + [.key(key)],
                "unknown key `\(RetentionError.excerpt(key))` in \(context); expected one of: \(allowed.joined(separator: ", "))"
            )
        }
    }

    mutating func table(
        _ parent: TOMLTable,
        _ key: String,
        at path: TOMLPath,
        in context: String,
        required: Bool
    ) -> TOMLTable? {
        guard let value = parent[key] else {
            if required { missing(path, "\(context) is missing the [\(key)] table") }
            return nil
        }
        guard let table = value.table else {
            problem(path + [.key(key)], "`\(key)` must be a table, found \(Self.describe(value))")
            return nil
        }
        return table
    }

    mutating func value(
        _ table: TOMLTable,
        _ key: String,
        at path: TOMLPath,
        in context: String,
        required: Bool
    ) -> (any TOMLValueConvertible)? {
        let value = table[key]
        if value == nil, required { missing(path, "\(context) is missing `\(key)`") }
        return value
    }

    mutating func string(
        _ table: TOMLTable,
        _ key: String,
        at path: TOMLPath,
        in context: String,
        required: Bool = true
    ) -> String? {
        guard let value = value(table, key, at: path, in: context, required: required) else { return nil }
        guard let text = value.string else {
            problem(path + [.key(key)], "`\(key)` in \(context) must be a string, found \(Self.describe(value))")
            return nil
        }
        guard !text.allSatisfy(\.isWhitespace) else {
            problem(path + [.key(key)], "`\(key)` in \(context) is empty")
            return nil
        }
        return text
    }

    mutating func identifier(
        _ table: TOMLTable,
        _ key: String,
        at path: TOMLPath,
        in context: String
    ) -> String? {
        guard let text = string(table, key, at: path, in: context) else { return nil }
        guard Self.isIdentifier(text) else {
            problem(
                path + [.key(key)],
                "`\(key)` in \(context) must be lower-case letters, digits and hyphens, starting with a letter"
            )
            return nil
        }
        return text
    }

    mutating func integer(_ table: TOMLTable, _ key: String, at path: TOMLPath, in context: String) -> Int? {
        guard let value = value(table, key, at: path, in: context, required: true) else { return nil }
        guard let number = value.int else {
            problem(path + [.key(key)], "`\(key)` in \(context) must be an integer, found \(Self.describe(value))")
            return nil
        }
        return number
    }

    mutating func boolean(_ table: TOMLTable, _ key: String, at path: TOMLPath, in context: String) -> Bool? {
        guard let value = value(table, key, at: path, in: context, required: true) else { return nil }
        guard let flag = value.bool else {
            problem(path + [.key(key)], "`\(key)` in \(context) must be true or false, found \(Self.describe(value))")
            return nil
        }
        return flag
    }

    mutating func period(
        _ table: TOMLTable,
        _ key: String,
        at path: TOMLPath,
        in context: String,
        required: Bool = true
    ) -> RetentionPeriod? {
        guard let value = value(table, key, at: path, in: context, required: required) else { return nil }
        guard let text = value.string else {
            problem(
                path + [.key(key)],
                "`\(key)` in \(context) must be a period string like \"20y\", \"6m\", \"30d\" or \"1y6m\", found \(Self.describe(value))"
            )
            return nil
        }
        do {
            return try RetentionPeriod.parse(text)
        } catch {
            problem(path + [.key(key)], "`\(key)` in \(context): \(error.description)")
            return nil
        }
    }

    mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ table: TOMLTable,
        _ key: String,
        at path: TOMLPath,
        in context: String,
        required: Bool = true,
        noun: String? = nil
    ) -> Choice? where Choice.RawValue == String {
        guard let value = value(table, key, at: path, in: context, required: required) else { return nil }
        let options = Choice.allCases.map(\.rawValue).joined(separator: ", ")
        guard let text = value.string else {
            problem(
                path + [.key(key)],
                "`\(key)` in \(context) must be a string, one of: \(options); found \(Self.describe(value))"
            )
            return nil
        }
        guard let parsed = Choice(rawValue: text) else {
            problem(
                path + [.key(key)],
                "unknown \(noun ?? "`\(key)`") \"\(RetentionError.excerpt(text))\" in \(context); expected one of: \(options)"
            )
            return nil
        }
        return parsed
    }

    // MARK: - Helpers

    /// Lower-case letters, digits and hyphens, starting with a letter, at most 64 characters.
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 64,
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first)
        else { return false }
        return text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
    }

    static func describe(_ value: (any TOMLValueConvertible)?) -> String {
        guard let value else { return "nothing" }
        return switch value.type {
        case .table: "a table"
        case .array: "an array"
        case .string: "a string"
        case .int: "an integer"
        case .double: "a number"
        case .bool: "a boolean"
        case .date: "a date"
        case .time: "a time"
        case .dateTime: "a date-time"
        }
    }
}
