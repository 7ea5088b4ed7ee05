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

    // MARK: - Stopped clocks and extensions

    /// The further working days the ICO considers a "reasonable" public-interest extension under
    /// FOIA s.10(3) normally allows: "normally no more than an additional 20 working days" (ICO,
    /// *Time limits for compliance under the Freedom of Information Act (section 10)*), so 40 working
    /// days in all.
    public static let foiPublicInterestExtensionWorkingDays = 20

    /// The last day to answer a subject access request whose clock was stopped for clarification.
    ///
    /// UK GDPR Art. 12A (inserted by the Data (Use and Access) Act 2025 s.76, in force 5 February 2026
    /// under SI 2026/82; worded as DPA 2018 s.54(3)-(3C) is for law-enforcement processing): the
    /// period is one month (three when extended)
    /// "beginning with the relevant time", the latest of receipt of the request, of the identity
    /// information asked for and of a fee; and where the controller asks for further information to
    /// identify the information or processing the request is about, "the period beginning with the day
    /// on which the controller makes the request and ending with the day on which the controller
    /// receives the information does not count towards" that period. So identity and fee restart the
    /// clock (pass the day they arrived as `start`), and a clarification pauses it: the month is counted
    /// from `start` as in ``subjectAccess(received:extended:regions:)`` (a missing day clamps to the
    /// month's last day), then moved later by the days that do not count, both ends included, and only
    /// then moved to the next working day if it is not one. Received 31 January 2024 with one day of
    /// clarification: 29 February + 1 = Friday 1 March.
    ///
    /// - Parameters:
    ///   - start: The relevant time: the day the request, or the identity proof or fee asked for, arrived.
    ///   - extended: Whether the two-month extension applies (three months from `start`, ICO).
    ///   - clarificationDays: The days, counted inclusively, from each request for clarification to the
    ///     day it was answered, on or after `start`.
    ///   - regions: Whose bank holidays the deadline may not fall on; England and Wales by default.
    public static func subjectAccess(
        start: CivilDate,
        extended: Bool,
        clarificationDays: Int,
        regions: Set<BankHolidayRegion> = [.englandAndWales]
    ) -> CivilDate {
        var due = start.adding(months: extended ? 3 : 1).advanced(by: max(0, clarificationDays))
        while !BankHolidays.isWorkingDay(due, regions: regions), due < .max { due = due.advanced(by: 1) }
        return due
    }

    /// The last day to answer an FOI request: the twentieth working day following `start` (the fortieth
    /// with a public-interest extension), not counting the working days of any fee period.
    ///
    /// FOIA s.10(1) counts from the "date of receipt", which s.10(6) makes the day the request arrived
    /// or, if later, the day the further information asked for under s.1(3) arrived: a clarification
    /// restarts the 20 working days (ICO line to take LTT137: the clarified request "instigates a new
    /// statutory time period"), so pass that day as `start`. s.10(2): when a fees notice was given and
    /// the fee paid, "the working days in the period beginning with the day on which the fees notice is
    /// given … and ending with the day on which the fee is received … are to be disregarded": those
    /// are `disregarded`, both ends included.
    ///
    /// - Parameters:
    ///   - start: The date of receipt in the sense of s.10(6).
    ///   - extended: Whether the s.10(3) public-interest extension applies
    ///     (``foiPublicInterestExtensionWorkingDays`` more).
    ///   - disregarded: The fee periods, from the day the notice was given to the day the fee arrived.
    ///   - regions: As for ``foi(received:regions:)``.
    public static func foi(
        start: CivilDate,
        extended: Bool,
        disregarded: [ClosedRange<CivilDate>],
        regions: Set<BankHolidayRegion> = [.englandAndWales]
    ) -> CivilDate {
        let count = foiWorkingDays + (extended ? foiPublicInterestExtensionWorkingDays : 0)
        var day = start
        var counted = 0
        while counted < count, day < .max {
            day = day.advanced(by: 1)
            if BankHolidays.isWorkingDay(day, regions: regions), !disregarded.contains(where: { $0.contains(day) }) { counted += 1 }
        }
        return day
    }
}
