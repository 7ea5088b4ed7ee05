import Foundation
import Retention
import Testing

@Suite("CivilDate")
struct CivilDateTests {
    @Test("reads and writes ISO 8601 YYYY-MM-DD", arguments: ["1970-01-01", "2024-02-29", "0001-01-01", "9999-12-31"])
    func roundTripsItsISOForm(_ text: String) throws {
        let date = try #require(CivilDate(text))
        #expect(date.description == text)
        #expect(try CivilDate.parse(text) == date)
    }

    @Test(
        "rejects text that is not an existing day",
        arguments: [
            "2025-02-29", "2023-02-29", "1900-02-29", "2025-04-31", "2025-13-01", "2025-00-10", "2025-01-00",
            "0000-01-01", "2025-1-01", "2025/01/01", "25-01-01", " 2025-01-01", "2025-01-01T00:00", "２０２５-01-01", "",
        ]
    )
    func rejectsInvalidText(_ text: String) {
        #expect(CivilDate(text) == nil)
        #expect(throws: RetentionError.invalidDate(text)) { try CivilDate.parse(text) }
    }

    @Test("validates components and names the bad date")
    func validatesComponents() throws {
        #expect(throws: RetentionError.invalidDate("2025-2-29")) { try CivilDate(year: 2025, month: 2, day: 29) }
        #expect(throws: RetentionError.invalidDate("10000-1-1")) { try CivilDate(year: 10000, month: 1, day: 1) }
        let leap = try CivilDate(year: 2000, month: 2, day: 29)
        #expect((leap.year, leap.month, leap.day) == (2000, 2, 29))
    }

    @Test("knows leap years: every 4th, not every 100th, every 400th")
    func leapYears() {
        #expect(CivilDate.isLeapYear(2024))
        #expect(CivilDate.isLeapYear(2000))
        #expect(!CivilDate.isLeapYear(1900))
        #expect(!CivilDate.isLeapYear(2100))
        #expect(!CivilDate.isLeapYear(2025))
        #expect(CivilDate.daysInMonth(year: 2024, month: 2) == 29)
        #expect(CivilDate.daysInMonth(year: 2100, month: 2) == 28)
    }

    @Test("counts days since 1970 in both directions")
    func dayNumbers() {
        #expect(day("1970-01-01").daysSince1970 == 0)
        #expect(day("2000-01-01").daysSince1970 == 10_957)
        #expect(day("1969-12-31").daysSince1970 == -1)
        #expect(day("0001-01-01").daysSince1970 == -719_162)
        #expect(CivilDate(daysSince1970: 19_782) == day("2024-02-29"))
        #expect(CivilDate(daysSince1970: -719_162) == .min)
    }

    @Test("converts every day of four centuries and back")
    func convertsEveryDayBackAndForth() throws {
        var expected = try CivilDate(year: 1800, month: 1, day: 1).daysSince1970
        for year in 1800..<2200 {
            for month in 1...12 {
                for dayOfMonth in 1...CivilDate.daysInMonth(year: year, month: month) {
                    let date = try CivilDate(year: year, month: month, day: dayOfMonth)
                    #expect(date.daysSince1970 == expected)
                    expected += 1
                }
            }
        }
        #expect(CivilDate(daysSince1970: expected) == day("2200-01-01"))
    }

    @Test("saturates at 0001-01-01 and 9999-12-31 instead of overflowing")
    func saturatesAtTheEnds() {
        #expect(CivilDate(daysSince1970: .max) == .max)
        #expect(CivilDate(daysSince1970: .min) == .min)
        #expect(day("9999-12-01").adding(years: 1) == .max)
        #expect(day("0001-06-01").adding(years: -1) == .min)
        #expect(day("2025-01-01").adding(years: .max, months: .max, days: .max) == .max)
        #expect(day("2025-01-01").adding(years: .min) == .min)
        #expect(CivilDate.max.advanced(by: .max) == .max)
        #expect(CivilDate.max.description == "9999-12-31")
    }

    @Test("gives the ISO weekday, Monday 1 to Sunday 7")
    func weekdays() {
        #expect(day("1970-01-01").weekday == 4)  // Thursday
        #expect(day("2024-02-29").weekday == 4)
        #expect(day("2025-12-25").weekday == 4)
        #expect(day("2026-12-26").weekday == 6)
        #expect(day("2023-01-01").weekday == 7)
        #expect(day("2023-01-02").weekday == 1)
        #expect(day("1969-12-28").weekday == 7)
        #expect(day("0001-01-01").weekday == 1)
        #expect(day("2023-01-01").isWeekend && !day("2023-01-02").isWeekend)
    }

    /// A retention period is a minimum: from 29 February, one year is 1 March (the 28th kept the
    /// record one day short), and so for every month end the months reach.
    @Test("adds a retention period never short of it",
          arguments: [("2024-02-29", "1y", "2025-03-01"), ("2024-02-29", "4y", "2028-02-29"), ("2000-02-29", "100y", "2100-03-01"),
                      ("2025-01-31", "1m", "2025-03-01"), ("2025-03-31", "1m", "2025-05-01"), ("2025-01-31", "1m1d", "2025-03-02"),
                      ("2025-01-15", "20y", "2045-01-15"), ("2025-01-31", "90d", "2025-05-01")])
    func retentionPeriodsAreNeverShort(_ start: String, _ period: String, _ expected: String) throws {
        #expect(day(start).addingAtLeast(try RetentionPeriod.parse(period)) == day(expected))
    }

    @Test(
        "adds years and months with month-end clamping, then days",
        arguments: [
            ("2024-02-29", 1, 0, 0, "2025-02-28"),
            ("2024-02-29", 4, 0, 0, "2028-02-29"),
            ("2024-02-29", 20, 0, 0, "2044-02-29"),
            ("2024-02-29", 100, 0, 0, "2124-02-29"),
            ("2000-02-29", 100, 0, 0, "2100-02-28"),
            ("2025-01-31", 0, 1, 0, "2025-02-28"),
            ("2024-01-31", 0, 1, 0, "2024-02-29"),
            ("2025-03-31", 0, 1, 0, "2025-04-30"),
            ("2025-01-31", 0, 1, 1, "2025-03-01"),
            ("2025-08-31", 0, 6, 0, "2026-02-28"),
            ("2025-11-30", 0, 3, 0, "2026-02-28"),
            ("2025-12-15", 0, 1, 0, "2026-01-15"),
            ("2025-01-15", 1, 18, 0, "2027-07-15"),
            ("2025-01-31", 0, 0, 90, "2025-05-01"),
            ("2024-12-31", 0, 0, 1, "2025-01-01"),
            ("2024-03-31", 0, -1, 0, "2024-02-29"),
            ("2025-03-01", 0, 0, -1, "2025-02-28"),
            ("2025-01-10", -1, -1, 0, "2023-12-10"),
        ] as [(String, Int, Int, Int, String)]
    )
    func addsCalendarUnits(_ start: String, _ years: Int, _ months: Int, _ days: Int, _ expected: String) {
        #expect(day(start).adding(years: years, months: months, days: days) == day(expected))
    }

    @Test("adds a retention period like its parts")
    func addsPeriods() {
        #expect(day("2024-02-29").adding(period("1y6m")) == day("2025-08-29"))
        #expect(day("2025-01-31").adding(period("1m1d")) == day("2025-03-01"))
    }

    @Test("strides by days and measures distances")
    func stridesByDays() {
        #expect(day("2024-02-28").advanced(by: 2) == day("2024-03-01"))
        #expect(day("2024-01-01").distance(to: day("2025-01-01")) == 366)
        #expect(
            Array(day("2025-12-30")...day("2026-01-02")).map(\.description)
                == ["2025-12-30", "2025-12-31", "2026-01-01", "2026-01-02"]
        )
    }

    @Test("orders chronologically")
    func ordersChronologically() {
        #expect(day("2024-12-31") < day("2025-01-01"))
        #expect(day("0999-01-01") < day("1000-01-01"))
        #expect([day("2025-03-01"), day("2024-02-29")].max() == day("2025-03-01"))
    }

    @Test("takes the UTC day of a Foundation Date, whatever the time zone")
    func takesTheUTCDayOfADate() {
        #expect(CivilDate(Date(timeIntervalSince1970: 0)) == day("1970-01-01"))
        #expect(CivilDate(Date(timeIntervalSince1970: 86_399.999)) == day("1970-01-01"))
        #expect(CivilDate(Date(timeIntervalSince1970: -0.001)) == day("1969-12-31"))
        // 2024-03-31 00:30 in London (BST) is still 2024-03-30 in UTC.
        #expect(CivilDate(Date(timeIntervalSince1970: 1_711_841_400)) == day("2024-03-30"))
        #expect(CivilDate(Date.distantFuture) == day("4001-01-01"))
        #expect(CivilDate(Date(timeIntervalSince1970: .infinity)) == .max)
        #expect(CivilDate(Date(timeIntervalSince1970: -1e300)) == .min)
        #expect(day("2024-02-29").startOfDayUTC == Date(timeIntervalSince1970: 1_709_164_800))
        #expect(CivilDate(day("1900-03-01").startOfDayUTC) == day("1900-03-01"))
    }

    @Test("encodes as its ISO string in JSON")
    func codesAsAString() throws {
        let data = try JSONEncoder().encode([day("2024-02-29")])
        #expect(String(decoding: data, as: UTF8.self) == #"["2024-02-29"]"#)
        #expect(try JSONDecoder().decode([CivilDate].self, from: data) == [day("2024-02-29")])
        #expect {
            try JSONDecoder().decode([CivilDate].self, from: Data(#"["2025-02-29"]"#.utf8))
        } throws: { if case .dataCorrupted? = $0 as? DecodingError { true } else { false } }
    }
}
