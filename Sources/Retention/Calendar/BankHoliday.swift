/// One bank holiday: its date and its name as GOV.UK lists it, e.g. "Boxing Day (substitute day)".
public struct BankHoliday: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The day off.
    public var date: CivilDate
    /// The holiday's name.
    public var name: String

    /// A named holiday.
    public init(date: CivilDate, name: String) {
        self.date = date
        self.name = name
    }

    /// "2026-12-28 Boxing Day (substitute day)".
    public var description: String { "\(date) \(name)" }

    public static func < (lhs: BankHoliday, rhs: BankHoliday) -> Bool {
        (lhs.date, lhs.name) < (rhs.date, rhs.name)
    }
}

/// A part of the United Kingdom with its own bank holidays under the Banking and Financial
/// Dealings Act 1971.
public enum BankHolidayRegion: String, Sendable, Hashable, Codable, CaseIterable {
    /// England and Wales.
    case englandAndWales = "england-and-wales"
    /// Scotland.
    case scotland
    /// Northern Ireland.
    case northernIreland = "northern-ireland"
}
