/// A length of time in calendar units: whole years, months and days.
///
/// Written as numbers followed by `y`, `m` and `d`, in that order, each at most once:
/// `"20y"`, `"6m"`, `"30d"`, `"1y6m"`, `"0d"`. Months and years are calendar units; a schedule
/// adds them with ``CivilDate/addingAtLeast(_:)`` (a day missing from the month reached moves to
/// the next month's first day, so a retention period is never a day short). Periods
/// are not ordered against each other (`1m` against `30d` depends on the month).
public struct RetentionPeriod: Sendable, Hashable {
    /// Whole years.
    public var years: Int
    /// Whole months.
    public var months: Int
    /// Whole days.
    public var days: Int

    /// A period of the given parts; all non-negative in a schedule.
    public init(years: Int = 0, months: Int = 0, days: Int = 0) {
        self.years = years
        self.months = months
        self.days = days
    }

    /// The empty period.
    public static let zero = RetentionPeriod()

    /// Whether every part is zero.
    public var isZero: Bool { years == 0 && months == 0 && days == 0 }

    /// Parses the written form (see the type's documentation).
    ///
    /// - Throws: ``RetentionError/invalidPeriod(_:)`` naming the text.
    public static func parse(_ text: String) throws(RetentionError) -> RetentionPeriod {
        var period = RetentionPeriod()
        var remaining = Substring(text)
        var lastUnit = -1  // index into "ymd" of the previous part, enforcing the order
        let units: [Character] = ["y", "m", "d"]
        guard !remaining.isEmpty else { throw .invalidPeriod(text) }
        while !remaining.isEmpty {
            let digits = remaining.prefix(while: { $0.isASCII && $0.isNumber })
            // Six digits is over 2700 years of days: ample, and far from any overflow.
            guard !digits.isEmpty, digits.count <= 6, let value = Int(digits) else { throw .invalidPeriod(text) }
            remaining = remaining.dropFirst(digits.count)
            guard let unitCharacter = remaining.first, let unit = units.firstIndex(of: unitCharacter),
                unit > lastUnit
            else { throw .invalidPeriod(text) }
            remaining = remaining.dropFirst()
            lastUnit = unit
            switch unit {
            case 0: period.years = value
            case 1: period.months = value
            default: period.days = value
            }
        }
        return period
    }
}

extension RetentionPeriod: CustomStringConvertible, LosslessStringConvertible {
    /// The written form, e.g. `"1y6m"`; `"0d"` for the empty period.
    public var description: String {
        var text = ""
        if years != 0 { text += "\(years)y" }
        if months != 0 { text += "\(months)m" }
        if days != 0 || text.isEmpty { text += "\(days)d" }
        return text
    }

    /// Parses the written form; `nil` when it is not one.
    public init?(_ description: String) {
        guard let period = try? Self.parse(description) else { return nil }
        self = period
    }
}

extension RetentionPeriod: Codable {
    /// Decodes the written form, e.g. `"1y6m"`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Self.parse(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the written form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
