/// A calendar day with no time of day and no time zone: "2025-03-31".
///
/// The type and its `YYYY-MM-DD` form live here, in the shared model, so catalog rows can hold
/// dates; calendar arithmetic, bank holidays and typed parse errors are Retention's extensions.
///
/// Retention and statutory deadlines are counted in whole days, so they are computed on civil
/// dates in the proleptic Gregorian calendar and never shift with a time zone or a daylight-saving
/// change. A `CivilDate` covers `0001-01-01` through `9999-12-31` (``min`` … ``max``), the range of
/// the ISO 8601 `YYYY-MM-DD` form it reads and writes; conversions and arithmetic that would
/// leave that range saturate at its ends.
public struct CivilDate: Sendable, Hashable, Comparable {
    /// Days since 1970-01-01 (negative before it): the single stored value.
    public let daysSince1970: Int

    /// The earliest representable day, 0001-01-01.
    public static let min = CivilDate(unchecked: CivilDate.dayNumber(year: 1, month: 1, day: 1))

    /// The latest representable day, 9999-12-31.
    public static let max = CivilDate(unchecked: CivilDate.dayNumber(year: 9999, month: 12, day: 31))

    /// The day `daysSince1970` days after 1970-01-01, saturating at ``min`` and ``max``.
    public init(daysSince1970: Int) {
        self.daysSince1970 = Swift.min(Swift.max(daysSince1970, Self.min.daysSince1970), Self.max.daysSince1970)
    }

    /// The calendar date, or nil when the year is outside 1…9999, the month outside 1…12 or the
    /// day past the end of the month (2025-02-29, 2025-04-31). Retention's
    /// `init(year:month:day:)` throws a typed error instead.
    package static func validated(year: Int, month: Int, day: Int) -> CivilDate? {
        guard (1...9999).contains(year), (1...12).contains(month),
            day >= 1, day <= daysInMonth(year: year, month: month)
        else { return nil }
        return CivilDate(unchecked: dayNumber(year: year, month: month, day: day))
    }

    package init(unchecked daysSince1970: Int) {
        self.daysSince1970 = daysSince1970
    }

    /// The year, 1…9999.
    public var year: Int { components.year }

    /// The month, 1 (January) … 12 (December).
    public var month: Int { components.month }

    /// The day of the month, 1…31.
    public var day: Int { components.day }

    /// The ISO 8601 weekday: 1 Monday … 5 Friday, 6 Saturday, 7 Sunday.
    public var weekday: Int {
        // 1970-01-01 was a Thursday (4).
        let mondayBased = (daysSince1970 + 3) % 7
        return (mondayBased < 0 ? mondayBased + 7 : mondayBased) + 1
    }

    /// Whether the day is a Saturday or a Sunday.
    public var isWeekend: Bool { weekday >= 6 }

    /// Whether `year` has a 29 February in the Gregorian calendar.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in `month` (1…12) of `year`.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        lhs.daysSince1970 < rhs.daysSince1970
    }
}
