extension BankHolidays {
    /// A change to the usual bank holidays made by royal proclamation under section 1(2)–(3)
    /// of the Banking and Financial Dealings Act 1971.
    public struct Proclamation: Sendable, Hashable {
        /// The day the holiday falls on.
        public var date: CivilDate
        /// The holiday's name.
        public var name: String
        /// The usual holiday this one replaces, by name (`nil` for an additional holiday).
        public var replaces: String?
        /// The regions it applies to.
        public var regions: Set<BankHolidayRegion>
    }

    /// Every one-off move or addition known to this module (1978 on), with the regions it
    /// applies to. Sources: GOV.UK "UK bank holidays" and the proclamations in The Gazette;
    /// cross-checked against the `holidays` Python package for 1978–2035. A new proclamation
    /// must be added here.
    public static let proclamations: [Proclamation] = {
        let all = Set(BankHolidayRegion.allCases)
        func day(_ year: Int, _ month: Int, _ day: Int) -> CivilDate { date(year, month, day) }
        return [
            Proclamation(date: day(1981, 7, 29), name: "Royal wedding", replaces: nil, regions: all),
            Proclamation(
                date: day(1995, 5, 8),
                name: "Early May bank holiday (VE day)",
                replaces: earlyMay,
                regions: all
            ),
            Proclamation(date: day(1999, 12, 31), name: "Millennium celebrations", replaces: nil, regions: all),
            Proclamation(date: day(2002, 6, 3), name: "Golden Jubilee bank holiday", replaces: nil, regions: all),
            Proclamation(date: day(2002, 6, 4), name: spring, replaces: spring, regions: all),
            Proclamation(date: day(2011, 4, 29), name: "Royal wedding", replaces: nil, regions: all),
            Proclamation(date: day(2012, 6, 4), name: spring, replaces: spring, regions: all),
            Proclamation(date: day(2012, 6, 5), name: "Queen’s Diamond Jubilee", replaces: nil, regions: all),
            Proclamation(
                date: day(2020, 5, 8),
                name: "Early May bank holiday (VE day)",
                replaces: earlyMay,
                regions: all
            ),
            Proclamation(date: day(2022, 6, 2), name: spring, replaces: spring, regions: all),
            Proclamation(date: day(2022, 6, 3), name: "Platinum Jubilee bank holiday", replaces: nil, regions: all),
            Proclamation(
                date: day(2022, 9, 19),
                name: "Bank Holiday for the State Funeral of Queen Elizabeth II",
                replaces: nil,
                regions: all
            ),
            Proclamation(
                date: day(2023, 5, 8),
                name: "Bank holiday for the coronation of King Charles III",
                replaces: nil,
                regions: all
            ),
            // Proclaimed 4 February 2026, for Scotland only.
            Proclamation(
                date: day(2026, 6, 15),
                name: "Bank holiday for Scotland’s participation in the FIFA World Cup",
                replaces: nil,
                regions: [.scotland]
            ),
        ]
    }()

    /// `holidays` with the year's proclamations for `region` applied.
    static func proclaimed(_ holidays: [BankHoliday], in region: BankHolidayRegion, year: Int) -> [BankHoliday] {
        var result = holidays
        for proclamation in proclamations where proclamation.date.year == year && proclamation.regions.contains(region)
        {
            if let replaced = proclamation.replaces {
                result.removeAll { $0.name == replaced }
            }
            result.append(BankHoliday(date: proclamation.date, name: proclamation.name))
        }
        return result
    }
}
