import Retention
import Testing

/// The NHS rule for records of people treated as children (issue #17 item 7), at its boundaries.
/// Only the birth month is known, so each doubt keeps a recording longer, never shorter.
@Suite("Children's records")
struct ChildrenRuleTests {
    static let rule = ChildrenRule(untilBirthday: 25, untilBirthdayIf17AtEnd: 26, afterDeath: period("8y"), source: "code")
    /// A class whose own rule (8 years after the last contact) is close to the children's rule.
    static let schedule: RetentionSchedule = {
        do {
            return try RetentionSchedule(name: "test", version: "1", withdrawalGrace: period("30d"), classes: [
                RetentionClass(id: "adult", title: "adult", rules: [RetentionRule(period("8y"), after: .lastContact)], disposition: .review,
                               withdrawalShortens: false, source: "code", children: rule),
            ])
        } catch {
            fatalError("\(error)")
        }
    }()

    func due(born: String?, captured: String, discharged: String? = nil, died: String? = nil) throws -> (String?, String) {
        let events = PatientEvents(discharged: discharged.map(day), died: died.map(day), bornIn: born.flatMap(BirthMonth.init))
        let decision = try Self.schedule.decide(RecordingRetentionFacts(classID: "adult", capturedAt: day(captured), events: events))
        return (decision.dueDate?.description, decision.rule)
    }

    @Test func seventeenWhenTreatmentEndedKeepsItToTheTwentySixthBirthday() throws {
        // Born in May 2010: 17 from 1 May 2027 at the earliest to 30 May 2028 at the latest.
        #expect(try due(born: "2010-05", captured: "2026-01-10", discharged: "2027-04-30").0 == "2035-05-31", "16 at discharge: 25th birthday")
        let seventeen = try due(born: "2010-05", captured: "2026-01-10", discharged: "2027-05-01")
        #expect(seventeen.0 == "2036-05-31" && seventeen.1.contains("26th birthday (17 when treatment ended)"), "\(seventeen)")
        #expect(try due(born: "2010-05", captured: "2026-01-10", discharged: "2028-05-30").0 == "2036-05-31", "could still be 17")
        // 18 for certain on 31 May 2028: the children's rule gives the 25th birthday, and the class's own 8 years are longer.
        let eighteen = try due(born: "2010-05", captured: "2026-01-10", discharged: "2028-05-31")
        #expect(eighteen.0 == "2036-05-31" && eighteen.1.contains("8y after last-contact"), "\(eighteen)")
    }

    @Test func theEighteenthBirthdayEndsBeingTreatedAsAChild() throws {
        // Recorded the day before the latest possible 18th birthday: a child; on it: an adult.
        #expect(try due(born: "2010-05", captured: "2028-05-30", discharged: "2028-05-30").0 == "2036-05-31")
        let adult = try due(born: "2010-05", captured: "2028-05-31", discharged: "2028-05-31")
        #expect(adult.0 == "2036-05-31" && adult.1.contains("8y after last-contact"), "\(adult)")
        let adultLater = try due(born: "2010-05", captured: "2029-01-01", discharged: "2029-01-01")
        #expect(adultLater.0 == "2037-01-01")
    }

    @Test func deathShortensItToEightYearsButNeverBelowTheClassRule() throws {
        // 17 at discharge on 1 June 2027: 26th birthday 2036-05-31, or 8 years after death if sooner.
        #expect(try due(born: "2010-05", captured: "2026-01-10", discharged: "2027-06-01", died: "2029-01-01").0 == "2036-05-31")
        let died = try due(born: "2010-05", captured: "2026-01-10", discharged: "2027-06-01", died: "2027-07-01")
        #expect(died.0 == "2035-07-01" && died.1.contains("8y after death"), "\(died)")
    }

    @Test func noBirthMonthOrTreatmentNotEndedChangesNothingItCannotKnow() throws {
        #expect(try due(born: nil, captured: "2026-01-10", discharged: "2027-05-01").0 == "2035-05-01")
        // The class waits for the end of treatment; the children's rule never makes a date sooner.
        #expect(try due(born: "2020-03", captured: "2026-01-10").0 == nil)
    }

    @Test func birthdaysCountFromTheLastDayOfTheMonth() throws {
        let leap = try #require(BirthMonth("2008-02-29"))
        #expect(leap.description == "2008-02")
        #expect(leap.latestBirthday(25) == day("2033-03-01"), "29 February 2008 + 25 years, rounded forward")
        #expect(leap.latestBirthday(24) == day("2032-02-29"))
        #expect(BirthMonth("2008-13") == nil && BirthMonth("08-02") == nil && BirthMonth("2008-2") == nil)
    }

    /// The shipped schedule: a young child's care recording outlasts the mental-health period.
    @Test func theShippedCareClassAppliesTheRuleAsAFloor() throws {
        let schedule = try RetentionSchedule.parse(toml: try ScheduleFixtures.shippedScheduleText(), source: "nhs-mental-health.toml")
        func care(_ died: String?) throws -> String? {
            let events = PatientEvents(discharged: day("2024-06-01"), died: died.map(day), bornIn: BirthMonth("2020-03"))
            return try schedule.decide(RecordingRetentionFacts(classID: "care", capturedAt: day("2024-01-10"), events: events)).dueDate?.description
        }
        #expect(try care(nil) == "2045-03-31", "25th birthday, not 20 years after discharge (2044-06-01)")
        #expect(try care("2030-01-01") == "2040-01-01", "after death: the care class's 10 years beat the children's 8")
    }

    @Test func aMalformedChildrenTableIsRefusedWithItsPlace() throws {
        let bad = ScheduleFixtures.minimal(replacing: "disposition = \"destroy\"",
                                           with: "disposition = \"destroy\"\nchildren = { until-birthday = 12, until-birthday-if-17-at-end = 26, source = \"x\" }")
        #expect { try RetentionSchedule.parse(toml: bad, source: "bad.toml") } throws: { if case .schedule(source: "bad.toml", line: _, message: _)? = $0 as? RetentionError { true } else { false } }
        do {
            _ = try RetentionSchedule.parse(toml: bad, source: "bad.toml")
        } catch {
            #expect(error.description.contains("birthdays must be from 18 to 120"), "\(error)")
        }
    }
}
