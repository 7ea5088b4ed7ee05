import Retention
import Testing

/// The shipped default schedule, `retention/nhs-mental-health.toml`, and the worked examples of
/// `retention/README.md` (keep the two in step).
@Suite("The default NHS mental-health schedule")
struct DefaultScheduleTests {
    let schedule: RetentionSchedule

    init() throws {
        schedule = try RetentionSchedule.parse(
            toml: ScheduleFixtures.shippedScheduleText(),
            source: "retention/nhs-mental-health.toml"
        )
    }

    func decide(
        _ classID: String,
        captured: String,
        consent: String? = nil,
        withdrawn: String? = nil,
        lastContact: String? = nil,
        discharged: String? = nil,
        died: String? = nil,
        onHold: Bool = false
    ) throws -> RetentionDecision {
        try schedule.decide(
            RecordingRetentionFacts(
                classID: classID,
                capturedAt: day(captured),
                consentDate: consent.map(day),
                consentWithdrawnAt: withdrawn.map(day),
                events: PatientEvents(
                    lastContact: lastContact.map(day),
                    discharged: discharged.map(day),
                    died: died.map(day)
                ),
                onHold: onHold
            )
        )
    }

    @Test("parses, under the name of its file, with every class citing its source")
    func parsesWithCitations() {
        #expect(schedule.name == "nhs-mental-health")
        #expect(schedule.withdrawalGrace == RetentionPeriod(days: 30))
        #expect(
            schedule.classes.keys.sorted() == [
                "assessment", "care", "research", "review-copy", "supervision", "training",
            ]
        )
        for retentionClass in schedule.classes.values {
            #expect(!retentionClass.source.isEmpty && !retentionClass.title.isEmpty)
        }
    }

    @Test("only the care class, part of the clinical record, survives consent withdrawal")
    func onlyCareIgnoresWithdrawal() {
        for (id, retentionClass) in schedule.classes {
            #expect(retentionClass.withdrawalShortens == (id != "care"), "\(id)")
        }
    }

    @Test("example 1: care, 20 years after the last contact")
    func careAfterLastContact() throws {
        let decision = try decide("care", captured: "2024-03-15", lastContact: "2025-06-30")
        #expect(decision.dueDate == day("2045-06-30"))
        #expect(decision.disposition == .review)
        #expect(decision.rule == "care: 20y after last-contact (NHS RM Code 2021 App. II: mental health records)")
    }

    @Test("example 2: care, 10 years after death when that is sooner")
    func careAfterDeath() throws {
        let decision = try decide("care", captured: "2024-03-15", lastContact: "2025-06-30", died: "2026-01-10")
        #expect(decision.dueDate == day("2036-01-10"))
        #expect(decision.rule == "care: 10y after death (NHS RM Code 2021 App. II: mental health records)")
    }

    @Test("example 3: care, waiting while the patient is in treatment")
    func careWaiting() throws {
        let decision = try decide("care", captured: "2024-03-15")
        #expect(decision.dueDate == nil)
        #expect(decision.waitingFor == [.lastContact, .death])
    }

    @Test("example 4: care, a discharge on a leap day")
    func careDischargedOnALeapDay() throws {
        #expect(try decide("care", captured: "2023-11-01", discharged: "2024-02-29").dueDate == day("2044-02-29"))
    }

    @Test("example 5: care, consent withdrawal does not shorten it")
    func careIgnoresWithdrawal() throws {
        let decision = try decide("care", captured: "2024-03-15", withdrawn: "2024-04-01", lastContact: "2025-06-30")
        #expect(decision.dueDate == day("2045-06-30"))
        #expect(decision.disposition == .review)
    }

    @Test("examples 6–8: training, 3 years after consent; renewal moves it; withdrawal shortens it")
    func training() throws {
        let first = try decide("training", captured: "2024-03-04", consent: "2024-02-29")
        #expect(first.dueDate == day("2027-03-01") && first.disposition == .review, "never a day short of 3 years from 29 February")
        #expect(try decide("training", captured: "2024-03-04", consent: "2026-09-01").dueDate == day("2029-09-01"))
        let withdrawn = try decide("training", captured: "2024-03-04", consent: "2024-02-29", withdrawn: "2025-01-20")
        #expect(withdrawn.dueDate == day("2025-02-19") && withdrawn.disposition == .destroy)
        #expect(withdrawn.rule == "training: 30d grace after consent withdrawal (schedule nhs-mental-health 2026.1)")
    }

    @Test("example 9: supervision, 90 days after capture")
    func supervision() throws {
        let decision = try decide("supervision", captured: "2025-01-31")
        #expect(decision.dueDate == day("2025-05-01") && decision.disposition == .destroy)
    }

    @Test("example 10: review copy, 90 days after capture")
    func reviewCopy() throws {
        #expect(try decide("review-copy", captured: "2025-12-01").dueDate == day("2026-03-01"))
    }

    @Test("example 11: research, 5 years after consent, reviewed")
    func research() throws {
        let decision = try decide("research", captured: "2025-03-03", consent: "2025-03-01")
        #expect(decision.dueDate == day("2030-03-01") && decision.disposition == .review)
    }

    @Test("example 12: assessment, a year after a leap-day capture: 1 March, never a day short")
    func assessment() throws {
        #expect(try decide("assessment", captured: "2024-02-29").dueDate == day("2025-03-01"))
    }

    @Test("example 13: a hold keeps any recording")
    func hold() throws {
        let decision = try decide("review-copy", captured: "2020-01-01", onHold: true)
        #expect(decision.held && decision.dueDate == nil)
        #expect(!schedule.isDue(decision, on: day("2030-01-01")))
    }
}
