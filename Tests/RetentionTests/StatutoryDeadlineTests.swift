import Retention
import Testing

@Suite("Statutory deadlines")
struct StatutoryDeadlineTests {
    @Test(
        "a subject access request is due on the same date next month",
        arguments: [
            ("2025-09-03", "2025-10-03"),  // the ICO's own example
            ("2024-01-31", "2024-02-29"),  // no 31 February: the last day of the month, in a leap year
            ("2025-01-31", "2025-02-28"),
            ("2025-03-31", "2025-04-30"),
            ("2025-12-15", "2026-01-15"),
        ]
    )
    func subjectAccessIsDueOneMonthLater(_ received: String, _ due: String) {
        #expect(StatutoryDeadline.subjectAccess(received: day(received)) == day(due))
    }

    @Test(
        "a subject access deadline on a weekend or bank holiday moves to the next working day",
        arguments: [
            ("2026-01-31", "2026-03-02"),  // 28 February 2026 is a Saturday
            ("2025-04-05", "2025-05-06"),  // 5 May 2025 is the early May bank holiday
            ("2025-11-25", "2025-12-29"),  // 25 December, then Boxing Day and a weekend
            ("2026-10-31", "2026-11-30"),
        ]
    )
    func subjectAccessRollsToAWorkingDay(_ received: String, _ due: String) {
        #expect(StatutoryDeadline.subjectAccess(received: day(received)) == day(due))
    }

    @Test("an extended subject access request is due three months after receipt")
    func extendedSubjectAccess() {
        #expect(StatutoryDeadline.subjectAccess(received: day("2025-01-31"), extended: true) == day("2025-04-30"))
        #expect(StatutoryDeadline.subjectAccess(received: day("2023-11-30"), extended: true) == day("2024-02-29"))
        #expect(StatutoryDeadline.subjectAccess(received: day("2025-02-22"), extended: true) == day("2025-05-22"))
    }

    @Test("an FOI request is due on the 20th working day, not counting the day of receipt")
    func foiCountsTwentyWorkingDays() {
        #expect(StatutoryDeadline.foi(received: day("2025-06-02")) == day("2025-06-30"))
        // Received on a Saturday: Monday is day 1.
        #expect(StatutoryDeadline.foi(received: day("2025-06-07")) == day("2025-07-04"))
        #expect(StatutoryDeadline.foi(received: day("2025-06-09")) == day("2025-07-07"))
    }

    @Test("an FOI deadline skips Good Friday and Easter Monday")
    func foiAcrossEaster() {
        // 29 March and 1 April 2024 are Good Friday and Easter Monday.
        #expect(StatutoryDeadline.foi(received: day("2024-03-28")) == day("2024-04-29"))
        #expect(StatutoryDeadline.foi(received: day("2025-04-01")) == day("2025-05-01"))
    }

    @Test("an FOI deadline skips Christmas, Boxing Day and New Year")
    func foiAcrossChristmas() {
        #expect(StatutoryDeadline.foi(received: day("2025-12-15")) == day("2026-01-15"))
        // Christmas on a Saturday in 2027: the 27th and 28th are substitute days.
        #expect(StatutoryDeadline.foi(received: day("2027-12-20")) == day("2028-01-20"))
    }

    @Test("counting holidays anywhere in the UK, as FOIA s.10(6) does, can only make the FOI deadline later")
    func foiAcrossTheWholeUK() {
        let all = Set(BankHolidayRegion.allCases)
        // 2 January 2026 is a Scottish bank holiday.
        #expect(StatutoryDeadline.foi(received: day("2025-12-15"), regions: all) == day("2026-01-16"))
        // 12 July 2027 (Monday) is a Northern Irish bank holiday; 2 August 2027 a Scottish one.
        #expect(StatutoryDeadline.foi(received: day("2027-07-05")) == day("2027-08-02"))
        #expect(StatutoryDeadline.foi(received: day("2027-07-05"), regions: all) == day("2027-08-04"))
        var received = day("2023-01-01")
        while received < day("2028-01-01") {
            #expect(
                StatutoryDeadline.foi(received: received) <= StatutoryDeadline.foi(received: received, regions: all)
            )
            received = received.advanced(by: 1)
        }
    }
}
