import Retention
import Testing

/// The clocks of subject-access (UK GDPR Art. 12A) and FOI (FOIA s.10) requests when they stop,
/// restart and are extended.
@Suite("Request clocks")
struct RequestClockTests {
    typealias Clock = RequestClock

    static func clock(_ regime: Clock.Regime, _ received: String, _ changes: [(String, String)] = []) throws -> Clock {
        var clock = Clock(regime: regime, received: day(received))
        for (change, on) in changes {
            switch change {
            case "resume": try clock.resume(on: day(on))
            case "extend": try clock.extend(on: day(on))
            case "close": try clock.close(on: day(on))
            default: try clock.stop(Clock.StopReason(rawValue: change)!, on: day(on))
            }
        }
        return clock
    }

    @Test(
        "a clarification pauses a subject access clock: the days from asking to the answer, both included, do not count",
        arguments: [
            // 28 February 2026 (clamped from the 31st) + 3 days; unpaused it would be Monday 2 March.
            ("2026-01-31", "2026-02-02", "2026-02-04", "2026-03-03"),
            // Leap year: 29 February + 1 day is Friday 1 March.
            ("2024-01-31", "2024-02-10", "2024-02-10", "2024-03-01"),
            // 28 February 2025 + 1 day is Saturday 1 March: the next working day.
            ("2025-01-31", "2025-02-10", "2025-02-10", "2025-03-03"),
            // 20 May + 5 days is the spring bank holiday, 25 May 2026.
            ("2026-04-20", "2026-05-01", "2026-05-05", "2026-05-26"),
        ]
    )
    func subjectAccessClarificationPauses(_ received: String, _ asked: String, _ answered: String, _ due: String) throws {
        var clock = try Self.clock(.subjectAccess, received, [("clarification", asked)])
        #expect(clock.due == nil)
        try clock.resume(on: day(answered))
        #expect(clock.due == day(due))
    }

    @Test(
        "identity proof or a fee restarts a subject access clock: one month from the day it arrived",
        arguments: [
            ("identity", "2024-01-20", "2024-01-22", "2024-01-31", "2024-02-29"),
            // 25 December 2026 is a Friday; Boxing Day's substitute is Monday 28 December.
            ("identity", "2026-11-10", "2026-11-12", "2026-11-25", "2026-12-29"),
            ("fee", "2025-03-01", "2025-03-03", "2025-03-31", "2025-04-30"),
        ]
    )
    func subjectAccessIdentityAndFeeRestart(_ reason: String, _ received: String, _ asked: String, _ arrived: String, _ due: String) throws {
        let clock = try Self.clock(.subjectAccess, received, [(reason, asked), ("resume", arrived)])
        #expect(clock.due == day(due))
    }

    @Test("a clarification before a restart is absorbed by it; one after it still pauses")
    func clarificationAroundARestart() throws {
        var clock = try Self.clock(.subjectAccess, "2026-01-05", [("clarification", "2026-01-06"), ("resume", "2026-01-08"),
                                                                  ("identity", "2026-01-09"), ("resume", "2026-01-20")])
        #expect(clock.due == day("2026-02-20"))
        try clock.stop(.clarification, on: day("2026-01-26"))
        try clock.resume(on: day("2026-01-27"))
        // 20 February + 2 days is Sunday 22 February.
        #expect(clock.due == day("2026-02-23"))
    }

    @Test("a subject access extension is three months from the relevant time, taken once, never after the deadline")
    func subjectAccessExtension() throws {
        var clock = try Self.clock(.subjectAccess, "2026-01-05")
        #expect(clock.due == day("2026-02-05"))
        try clock.extend(on: day("2026-02-05"))
        // 5 April 2026 is Easter Sunday, the 6th Easter Monday.
        #expect(clock.due == day("2026-04-07"))
        #expect(throws: RequestClockError.alreadyExtended(on: day("2026-02-05"))) { try clock.extend(on: day("2026-02-06")) }

        var late = try Self.clock(.subjectAccess, "2026-01-05")
        #expect(throws: RequestClockError.overdue(day: day("2026-02-06"), due: day("2026-02-05"))) { try late.extend(on: day("2026-02-06")) }
        #expect(throws: RequestClockError.overdue(day: day("2026-02-06"), due: day("2026-02-05"))) {
            try late.stop(.clarification, on: day("2026-02-06"))
        }
        #expect(late.extendedOn == nil && late.openStop == nil)

        // Three months from 30 November 2023 is 29 February 2024, plus one day of clarification.
        let paused = try Self.clock(.subjectAccess, "2023-11-30", [("clarification", "2023-12-01"), ("resume", "2023-12-01"), ("extend", "2023-12-10")])
        #expect(paused.due == day("2024-03-01"))
    }

    @Test("a subject access clock stopped for clarification can be extended after its old due date, the clock not running")
    func extensionWhileStopped() throws {
        var clock = try Self.clock(.subjectAccess, "2026-01-05", [("clarification", "2026-02-04"), ("extend", "2026-02-20")])
        try clock.resume(on: day("2026-02-24"))
        // 5 April + 21 days (4 to 24 February) is Sunday 26 April.
        #expect(clock.due == day("2026-04-27"))
    }

    @Test("an FOI clarification restarts the 20 working days from the day it arrived (s.1(3), s.10(6)(b))")
    func foiClarificationRestarts() throws {
        var clock = try Self.clock(.freedomOfInformation, "2026-03-27", [("clarification", "2026-03-30")])
        #expect(clock.due == nil)
        try clock.resume(on: day("2026-04-02"))
        // Not counting Good Friday (3 April), Easter Monday (6 April) and the early May bank holiday (4 May).
        #expect(clock.due == day("2026-05-05"))
    }

    @Test("the working days of an FOI fee period are disregarded, both ends included (s.10(2))")
    func foiFeePeriodIsDisregarded() throws {
        #expect(try Self.clock(.freedomOfInformation, "2025-06-02").due == day("2025-06-30"))
        let clock = try Self.clock(.freedomOfInformation, "2025-06-02", [("fee", "2025-06-05"), ("resume", "2025-06-10")])
        #expect(clock.due == day("2025-07-04"))
        // A fee period over a weekend and a bank holiday only disregards the working days in it.
        let easter = try Self.clock(.freedomOfInformation, "2024-03-25", [("fee", "2024-03-28"), ("resume", "2024-04-02")])
        // 2 working days disregarded (28 March, 2 April); without the fee period the due date is 24 April.
        #expect(StatutoryDeadline.foi(received: day("2024-03-25")) == day("2024-04-24"))
        #expect(easter.due == day("2024-04-26"))
    }

    @Test("the FOI public-interest extension adds 20 working days, once, not after the deadline (s.10(3))")
    func foiPublicInterestExtension() throws {
        #expect(try Self.clock(.freedomOfInformation, "2025-06-02", [("extend", "2025-06-30")]).due == day("2025-07-28"))
        // Over Christmas and New Year 2025: due 31 December, extended to 29 January.
        var christmas = try Self.clock(.freedomOfInformation, "2025-12-01")
        #expect(christmas.due == day("2025-12-31"))
        try christmas.extend(on: day("2025-12-10"))
        #expect(christmas.due == day("2026-01-29"))
        var late = try Self.clock(.freedomOfInformation, "2025-06-02")
        #expect(throws: RequestClockError.overdue(day: day("2025-07-01"), due: day("2025-06-30"))) { try late.extend(on: day("2025-07-01")) }
    }

    @Test("identity does not stop an FOI clock: FOI is applicant-blind")
    func foiHasNoIdentityStop() throws {
        var clock = try Self.clock(.freedomOfInformation, "2025-06-02")
        #expect(throws: RequestClockError.notApplicable(reason: .identity, regime: .freedomOfInformation)) {
            try clock.stop(.identity, on: day("2025-06-03"))
        }
    }

    @Test("changes only move forward, one stop at a time, and nothing follows a close")
    func changesAreOrdered() throws {
        var clock = try Self.clock(.subjectAccess, "2026-03-02")
        #expect(throws: RequestClockError.notStopped) { try clock.resume(on: day("2026-03-03")) }
        #expect(throws: RequestClockError.beforeReceipt(day: day("2026-03-01"), received: day("2026-03-02"))) { try clock.close(on: day("2026-03-01")) }
        try clock.stop(.identity, on: day("2026-03-05"))
        #expect(throws: RequestClockError.alreadyStopped(reason: .identity, since: day("2026-03-05"))) { try clock.stop(.fee, on: day("2026-03-06")) }
        #expect(throws: RequestClockError.outOfOrder(day: day("2026-03-04"), latest: day("2026-03-05"))) { try clock.resume(on: day("2026-03-04")) }
        // A requester who never sends what was asked for: the request is closed while stopped.
        try clock.close(on: day("2026-06-01"))
        #expect(clock.closedOn == day("2026-06-01"))
        #expect(throws: RequestClockError.closed(on: day("2026-06-01"))) { try clock.resume(on: day("2026-06-02")) }
    }
}
