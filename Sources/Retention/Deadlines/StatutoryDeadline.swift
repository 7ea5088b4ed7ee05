/// Statutory response deadlines for requests for information, as pure calendar arithmetic.
public enum StatutoryDeadline {
    /// The number of working days FOIA s.10(1) allows.
    public static let foiWorkingDays = 20

    /// The last day to answer a subject access request (UK GDPR Art. 12(3), Art. 15).
    ///
    /// Per the ICO's guidance: count from the day of receipt (working day or not) to the
    /// corresponding calendar date one month later; when that month is shorter, its last day
    /// (received 31 January → 28 or 29 February); when that day is a weekend or bank holiday, the
    /// next working day. An extension for complex or numerous requests adds two further months
    /// to the period (three months from receipt, same rules); the requester must be told within
    /// the first month.
    ///
    /// - Parameters:
    ///   - received: The day the request (or the identity proof or clarification it waited for)
    ///     was received.
    ///   - extended: Whether the two-month extension applies.
    ///   - regions: Whose bank holidays the deadline may not fall on; England and Wales by default.
    public static func subjectAccess(
        received: CivilDate,
        extended: Bool = false,
        regions: Set<BankHolidayRegion> = [.englandAndWales]
    ) -> CivilDate {
        var due = received.adding(months: extended ? 3 : 1)
        while !BankHolidays.isWorkingDay(due, regions: regions), due < .max { due = due.advanced(by: 1) }
        return due
    }

    /// The last day to answer a Freedom of Information request: the twentieth working day after
    /// the day of receipt (FOIA s.10(1)); the day of receipt is not counted, and a request received
    /// on a weekend or holiday starts counting on the next working day.
    ///
    /// FOIA s.10(6) excludes weekends, Christmas Day, Good Friday and bank holidays "in any part of
    /// the United Kingdom". The default counts England and Wales holidays only: the deadline it
    /// gives is never later than the statutory one, so it is the safe date to work to. Pass
    /// `Set(BankHolidayRegion.allCases)` for the exact statutory latest day, which is later when
    /// the period spans a Scottish or Northern Irish holiday (2 January, St Patrick's Day, 12 July,
    /// the first Monday in August, St Andrew's Day, or a regional one-off such as Scotland's
    /// 2026-06-15).
    public static func foi(received: CivilDate, regions: Set<BankHolidayRegion> = [.englandAndWales]) -> CivilDate {
        BankHolidays.addingWorkingDays(foiWorkingDays, to: received, regions: regions)
    }
}
