import Retention
import Testing

@Suite("Bank holidays")
struct BankHolidaysTests {
    /// England and Wales, as published on GOV.UK ("UK bank holidays").
    static let publishedEnglandAndWales: [Int: [String]] = [
        2020: [
            "2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25",
            "2020-12-28",
        ],
        2022: [
            "2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29",
            "2022-09-19",
            "2022-12-26", "2022-12-27",
        ],
        2023: [
            "2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28",
            "2023-12-25",
            "2023-12-26",
        ],
        2024: [
            "2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25",
            "2024-12-26",
        ],
        2025: [
            "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25",
            "2025-12-26",
        ],
        2026: [
            "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25",
            "2026-12-28",
        ],
        2027: [
            "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27",
            "2027-12-28",
        ],
    ]

    @Test("England and Wales match the published GOV.UK lists", arguments: [2020, 2022, 2023, 2024, 2025, 2026, 2027])
    func englandAndWalesMatchPublishedLists(_ year: Int) throws {
        let published = try #require(Self.publishedEnglandAndWales[year])
        #expect(BankHolidays.englandAndWales(year: year) == Set(published.map(day)))
    }

    @Test("names substitute days the way GOV.UK does")
    func namesSubstituteDays() {
        let named = { (year: Int) in BankHolidays.holidays(in: .englandAndWales, year: year).map(\.description) }
        // Christmas on a Sunday: Boxing Day keeps the Monday, Christmas moves to the Tuesday.
        #expect(named(2022).suffix(2) == ["2022-12-26 Boxing Day", "2022-12-27 Christmas Day (substitute day)"])
        // Christmas on a Saturday: both move.
        #expect(
            named(2027).suffix(2) == [
                "2027-12-27 Christmas Day (substitute day)", "2027-12-28 Boxing Day (substitute day)",
            ]
        )
        #expect(named(2023).first == "2023-01-02 New Year’s Day (substitute day)")
        #expect(named(2020).contains("2020-05-08 Early May bank holiday (VE day)"))
        #expect(!named(2020).contains { $0.hasPrefix("2020-05-04") })
    }

    @Test("computes Easter for known years")
    func computesEaster() {
        let goodFridays = ["2000-04-21", "2008-03-21", "2011-04-22", "2019-04-19", "2038-04-23", "2285-03-20"]
        for goodFriday in goodFridays.map(day) {
            #expect(BankHolidays.englandAndWales(year: goodFriday.year).contains(goodFriday))
        }
    }

    @Test("Scotland has 2 January, the August Monday and St Andrew's Day, not Easter Monday")
    func scotland() {
        let holidays = BankHolidays.dates(in: .scotland, year: 2024)
        #expect(
            holidays
                == Set(
                    [
                        "2024-01-01", "2024-01-02", "2024-03-29", "2024-05-06", "2024-05-27", "2024-08-05",
                        "2024-12-02", "2024-12-25", "2024-12-26",
                    ].map(day)
                )
        )
        // 1 January on a Saturday: the 1st and the 2nd move to Monday and Tuesday.
        #expect(BankHolidays.dates(in: .scotland, year: 2022).isSuperset(of: [day("2022-01-03"), day("2022-01-04")]))
    }

    @Test("a proclamation can be for one region only: Scotland's 2026 World Cup holiday")
    func regionalProclamation() {
        #expect(BankHolidays.dates(in: .scotland, year: 2026).contains(day("2026-06-15")))
        #expect(!BankHolidays.englandAndWales(year: 2026).contains(day("2026-06-15")))
        #expect(!BankHolidays.dates(in: .northernIreland, year: 2026).contains(day("2026-06-15")))
    }

    @Test("Northern Ireland has St Patrick's Day and the Battle of the Boyne")
    func northernIreland() {
        let holidays = BankHolidays.dates(in: .northernIreland, year: 2026)
        #expect(
            holidays
                == Set(
                    [
                        "2026-01-01", "2026-03-17", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25",
                        "2026-07-13", "2026-08-31", "2026-12-25", "2026-12-28",
                    ].map(day)
                )
        )
    }

    @Test("one-off proclamations apply across the UK")
    func proclamationsApplyAcrossTheUK() {
        for region in BankHolidayRegion.allCases {
            let holidays = BankHolidays.dates(in: region, year: 2022)
            #expect(holidays.isSuperset(of: [day("2022-06-02"), day("2022-06-03"), day("2022-09-19")]))
            #expect(!holidays.contains(day("2022-05-30")))
        }
        #expect(BankHolidays.proclamations.allSatisfy { !$0.date.isWeekend })
    }

    @Test("working days are weekdays that are not bank holidays")
    func workingDays() {
        #expect(BankHolidays.isWorkingDay(day("2025-12-24")))
        #expect(!BankHolidays.isWorkingDay(day("2025-12-25")))
        #expect(!BankHolidays.isWorkingDay(day("2025-12-27")))
        #expect(!BankHolidays.isWorkingDay(day("2023-05-08")))
        #expect(BankHolidays.isWorkingDay(day("2025-11-28")))
        // St Andrew's Day is a holiday only in Scotland.
        #expect(BankHolidays.isWorkingDay(day("2027-11-30")))
        #expect(!BankHolidays.isWorkingDay(day("2027-11-30"), regions: [.englandAndWales, .scotland]))
    }

    @Test("years outside the calendar have no holidays")
    func outOfRangeYears() {
        #expect(BankHolidays.englandAndWales(year: 0).isEmpty)
        #expect(BankHolidays.englandAndWales(year: 10_000).isEmpty)
        #expect(BankHolidays.englandAndWales(year: 9999).count == 8)
    }
}
