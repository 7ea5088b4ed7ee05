/// Everything that can go wrong in the retention module, with enough context to act on it.
///
/// Messages name files, lines, keys, class ids and the offending text of a schedule, never a
/// patient identifier: the module is never given one.
public enum RetentionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A date that does not exist or is not written `YYYY-MM-DD`; carries the text as given.
    case invalidDate(String)
    /// A retention period that is not written like `20y`, `6m`, `30d` or `1y6m`; carries the text.
    case invalidPeriod(String)
    /// A schedule file that cannot be used: its name as given to the parser, the 1-based line
    /// of the problem when it can be placed, and what is wrong.
    case schedule(source: String, line: Int?, message: String)
    /// A retention class id the schedule does not define, with the ids it does define (sorted).
    case unknownClass(String, known: [String])

    public var description: String {
        switch self {
        case .invalidDate(let text):
            "invalid date \"\(Self.excerpt(text))\": expected an existing day written YYYY-MM-DD (0001-01-01…9999-12-31)"
        case .invalidPeriod(let text):
            "invalid retention period \"\(Self.excerpt(text))\": expected whole numbers of years, months and days "
                + "in that order, e.g. \"20y\", \"6m\", \"30d\", \"1y6m\""
        case .schedule(let source, let line?, let message):
            "\(source):\(line): \(message)"
        case .schedule(let source, nil, let message):
            "\(source): \(message)"
        case .unknownClass(let id, let known):
            "unknown retention class \"\(Self.excerpt(id))\"; the schedule defines: "
                + (known.isEmpty ? "no classes" : known.joined(separator: ", "))
        }
    }

    /// Keeps quoted input short, so that a pasted blob never floods a log line.
    static func excerpt(_ text: String, limit: Int = 40) -> String {
        text.count <= limit ? text : text.prefix(limit) + "…"
    }
}
