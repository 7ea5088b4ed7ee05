extension CivilDate {
    /// A validated calendar date.
    ///
    /// - Throws: ``RetentionError/invalidDate(_:)`` when the year is outside 1…9999, the month
    ///   outside 1…12 or the day past the end of the month (2025-02-29, 2025-04-31).
    public init(year: Int, month: Int, day: Int) throws(RetentionError) {
        guard let date = CivilDate.validated(year: year, month: month, day: day) else {
            throw .invalidDate("\(year)-\(month)-\(day)")
        }
        self = date
    }

    /// Parses `YYYY-MM-DD` like ``init(_:)`` but throws a typed error naming the bad text.
    public static func parse(_ text: String) throws(RetentionError) -> CivilDate {
        guard let date = CivilDate(text) else { throw .invalidDate(text) }
        return date
    }
}
