/// The month a patient was born in: all the vault keeps of a date of birth (data minimisation).
///
/// Every question about age is answered on the safe side for retention: a birthday is the latest
/// day it could fall on (the month's last day, a retention minimum never a day short), and a
/// patient "could have been" an age whenever some day of the month makes it so.
public struct BirthMonth: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    /// A month of a valid civil year (1...9999).
    public init?(year: Int, month: Int) {
        guard (1...9999).contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    /// `YYYY-MM`, or a full date `YYYY-MM-DD` whose day is dropped.
    public init?(_ text: String) {
        if let date = CivilDate(text) {
            self.init(year: date.year, month: date.month)
            return
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]) else { return nil }
        self.init(year: year, month: month)
    }

    /// The first day of the month.
    public var firstDay: CivilDate { CivilDate(unchecked: CivilDate.dayNumber(year: year, month: month, day: 1)) }
    /// The last day of the month.
    public var lastDay: CivilDate {
        CivilDate(unchecked: CivilDate.dayNumber(year: year, month: month, day: CivilDate.daysInMonth(year: year, month: month)))
    }

    /// The latest day the `age`th birthday can fall on (29 February born: 1 March in other years).
    public func latestBirthday(_ age: Int) -> CivilDate { lastDay.addingAtLeast(RetentionPeriod(years: age)) }
    /// The earliest day the `age`th birthday can fall on.
    public func earliestBirthday(_ age: Int) -> CivilDate { firstDay.adding(RetentionPeriod(years: age)) }

    /// Whether the patient could have been exactly `age` years old on `day`.
    public func couldBe(_ age: Int, on day: CivilDate) -> Bool {
        day >= earliestBirthday(age) && day < latestBirthday(age + 1)
    }

    /// Whether the patient could have been younger than `age` on `day`.
    public func couldBeUnder(_ age: Int, on day: CivilDate) -> Bool { day < latestBirthday(age) }

    public static func < (lhs: BirthMonth, rhs: BirthMonth) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }

    /// `YYYY-MM`.
    public var description: String {
        let y = String(year), m = String(month)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + (m.count == 1 ? "0" + m : m)
    }
}

/// The NHS rule for the records of people treated as children: kept until a birthday, a later one
/// if they were 17 when treatment ended, or a period after death if sooner. A floor under the
/// class's own rules for a patient who could have been under 18 when the recording was made.
public struct ChildrenRule: Sendable, Hashable, Codable {
    /// Kept until this birthday (25 in the NHS RM Code).
    public var untilBirthday: Int
    /// Kept until this birthday instead if the patient was 17 when treatment ended (26).
    public var untilBirthdayIf17AtEnd: Int
    /// Or this long after death, if that is sooner (8 years); nil: death does not shorten it.
    public var afterDeath: RetentionPeriod?
    /// The citation.
    public var source: String

    public init(untilBirthday: Int, untilBirthdayIf17AtEnd: Int, afterDeath: RetentionPeriod?, source: String) {
        self.untilBirthday = untilBirthday
        self.untilBirthdayIf17AtEnd = untilBirthdayIf17AtEnd
        self.afterDeath = afterDeath
        self.source = source
    }
}
