extension CivilDate {
    /// The date `years`, `months` and `days` later (earlier when negative).
    ///
    /// Years and months are applied first, together, as calendar months; a day that does not
    /// exist in the resulting month is clamped to that month's last day. The days are added
    /// after that. So `2024-02-29 + 1y = 2025-02-28`, `2025-01-31 + 1m = 2025-02-28`,
    /// `2025-01-31 + 1m1d = 2025-03-01`. Results outside ``min``…``max`` saturate there.
    public func adding(years: Int = 0, months: Int = 0, days: Int = 0) -> CivilDate {
        let (year, month, day) = components
        // Clamp the operands far beyond any reachable date so that nothing below overflows; the
        // day-number algorithm is exact for any year, and the result saturates at min/max.
        let yearDelta = Swift.min(Swift.max(years, -20_000), 20_000)
        let monthDelta = Swift.min(Swift.max(months, -240_000), 240_000)
        let dayDelta = Swift.min(Swift.max(days, -8_000_000), 8_000_000)

        let monthIndex = year * 12 + (month - 1) + yearDelta * 12 + monthDelta
        let newYear = monthIndex >= 0 ? monthIndex / 12 : (monthIndex - 11) / 12
        let newMonth = monthIndex - newYear * 12 + 1
        let newDay = Swift.min(day, Self.daysInMonth(year: newYear, month: newMonth))
        return CivilDate(daysSince1970: Self.dayNumber(year: newYear, month: newMonth, day: newDay) + dayDelta)
    }

    /// The date after this one by `period` (see ``adding(years:months:days:)`` for month ends).
    public func adding(_ period: RetentionPeriod) -> CivilDate {
        adding(years: period.years, months: period.months, days: period.days)
    }

    /// The date after this one by `period`, never short of it: where the day does not exist in the
    /// month reached by the years and months, the day after that month's last day is used, so
    /// `2024-02-29 + 1y = 2025-03-01` (not the 28th, one day short), `2025-01-31 + 1m = 2025-03-01`.
    /// Retention periods are minimums to keep a record, so they are counted this way; statutory
    /// response deadlines (``adding(years:months:days:)``) clamp instead.
    public func addingAtLeast(_ period: RetentionPeriod) -> CivilDate {
        let clamped = adding(years: period.years, months: period.months)
        let shortBy = components.day - clamped.components.day
        return clamped.advanced(by: (shortBy > 0 ? 1 : 0) + period.days)
    }

    /// The number of days from `self` to `other` (negative when `other` is earlier).
    public func days(to other: CivilDate) -> Int {
        other.daysSince1970 - daysSince1970
    }
}

extension CivilDate: Strideable {
    /// The number of days from `self` to `other`.
    public func distance(to other: CivilDate) -> Int {
        days(to: other)
    }

    /// The day `n` days later (earlier when negative), saturating at ``min`` and ``max``.
    public func advanced(by n: Int) -> CivilDate {
        let (sum, overflow) = daysSince1970.addingReportingOverflow(n)
        return CivilDate(daysSince1970: overflow ? (n > 0 ? Int.max : Int.min) : sum)
    }
}
