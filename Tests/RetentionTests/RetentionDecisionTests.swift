import Retention
import Testing

/// The decision logic on a small schedule built in code, one class per behaviour.
@Suite("Deciding retention")
struct RetentionDecisionTests {
    static let schedule: RetentionSchedule = {
        func rules(_ pairs: (String, RetentionTrigger)...) -> [RetentionRule] {
            pairs.map { RetentionRule(period($0.0), after: $0.1) }
        }
        do {
            return try RetentionSchedule(
                name: "test",
                version: "1",
                withdrawalGrace: period("30d"),
                classes: [
                    RetentionClass(
                        id: "care",
                        title: "care",
                        rules: rules(("20y", .lastContact), ("10y", .death)),
                        combine: .earliest,
                        disposition: .review,
                        withdrawalShortens: false,
                        source: "code"
                    ),
                    RetentionClass(
                        id: "both",
                        title: "latest",
                        rules: rules(("8y", .discharge), ("1y", .death)),
                        combine: .latest,
                        disposition: .review,
                        withdrawalShortens: false,
                        source: "code"
                    ),
                    RetentionClass(
                        id: "captured",
                        title: "captured",
                        rules: rules(("90d", .captured)),
                        disposition: .destroy,
                        withdrawalShortens: true,
                        source: "code"
                    ),
                    RetentionClass(
                        id: "consent",
                        title: "consent",
                        rules: rules(("3y", .consent)),
                        disposition: .review,
                        withdrawalShortens: true,
                        source: "code"
                    ),
                    RetentionClass(
                        id: "discharge",
                        title: "discharge",
                        rules: rules(("8y", .discharge)),
                        disposition: .destroy,
                        withdrawalShortens: true,
                        source: "code"
                    ),
                    RetentionClass(
                        id: "floored",
                        title: "with minimum",
                        rules: rules(("2y", .captured)),
                        minimum: period("6m"),
                        disposition: .destroy,
                        withdrawalShortens: true,
                        source: "code"
                    ),
                ]
            )
        } catch {
            preconditionFailure("\(error)")
        }
    }()

    func decide(
        _ classID: String,
        captured: String = "2024-01-10",
        consent: String? = nil,
        withdrawn: String? = nil,
        lastContact: String? = nil,
        discharged: String? = nil,
        died: String? = nil,
        onHold: Bool = false
    ) throws -> RetentionDecision {
        try Self.schedule.decide(
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

    // MARK: Triggers

    @Test("captured: counts from the day of capture")
    func capturedTrigger() throws {
        let decision = try decide("captured", captured: "2025-01-31")
        #expect(decision.dueDate == day("2025-05-01"))
        #expect(decision.disposition == .destroy)
        #expect(decision.rule == "captured: 90d after captured (code)")
        #expect(decision.waitingFor.isEmpty && !decision.held)
    }

    @Test("consent: counts from the consent date, never a day short from a leap day")
    func consentTrigger() throws {
        #expect(try decide("consent", consent: "2024-02-29").dueDate == day("2027-03-01"))
    }

    @Test("consent: waits while no consent date is recorded")
    func consentTriggerWaits() throws {
        let decision = try decide("consent")
        #expect(decision.dueDate == nil)
        #expect(decision.waitingFor == [.consent])
        #expect(decision.rule == "consent: waiting for consent (code)")
    }

    @Test("last-contact: counts from the last contact")
    func lastContactTrigger() throws {
        let decision = try decide("care", lastContact: "2025-06-30")
        #expect(decision.dueDate == day("2045-06-30"))
        #expect(decision.disposition == .review)
        #expect(decision.rule == "care: 20y after last-contact (code)")
    }

    @Test("last-contact: a discharge counts as a contact, so the later of the two decides")
    func dischargeCountsAsContact() throws {
        #expect(try decide("care", discharged: "2024-02-29").dueDate == day("2044-02-29"))
        #expect(try decide("care", lastContact: "2024-06-01", discharged: "2024-03-01").dueDate == day("2044-06-01"))
        #expect(try decide("care", lastContact: "2024-03-01", discharged: "2024-06-01").dueDate == day("2044-06-01"))
    }

    @Test("discharge: counts from the discharge")
    func dischargeTrigger() throws {
        #expect(try decide("discharge", discharged: "2024-02-29").dueDate == day("2032-02-29"))
        #expect(try decide("discharge", lastContact: "2024-05-01").waitingFor == [.discharge])
    }

    @Test("death: counts from the death")
    func deathTrigger() throws {
        let decision = try decide("care", died: "2026-01-10")
        #expect(decision.dueDate == day("2036-01-10"))
        #expect(decision.rule == "care: 10y after death (code)")
    }

    @Test("a last contact or discharge dated before the recording belongs to an earlier episode: wait")
    func staleEpisodeEventsWait() throws {
        let decision = try decide("care", captured: "2024-05-01", lastContact: "2024-04-30", discharged: "2023-01-01")
        #expect(decision.dueDate == nil)
        #expect(decision.waitingFor == [.lastContact, .death])
        #expect(decision.rule.contains("predates this recording"))
        #expect(try decide("discharge", captured: "2024-05-01", discharged: "2024-04-01").waitingFor == [.discharge])
        // The day of capture itself may be the last contact.
        #expect(try decide("care", captured: "2024-05-01", lastContact: "2024-05-01").dueDate == day("2044-05-01"))
    }

    // MARK: Combining rules

    @Test("earliest: waits while no event is known")
    func earliestWaitsForAnyEvent() throws {
        let decision = try decide("care")
        #expect(decision.dueDate == nil && !decision.held)
        #expect(decision.waitingFor == [.lastContact, .death])
        #expect(decision.rule == "care: waiting for last-contact or death (code)")
        #expect(!Self.schedule.isDue(decision, on: .max))
    }

    @Test("earliest: a known death decides while the last contact is unknown")
    func earliestDecidesOnAKnownEvent() throws {
        #expect(try decide("care", died: "2030-03-31").dueDate == day("2040-03-31"))
    }

    @Test("earliest: the sooner of the known rules decides")
    func earliestTakesTheSooner() throws {
        #expect(try decide("care", lastContact: "2025-06-30", died: "2026-01-10").dueDate == day("2036-01-10"))
        #expect(try decide("care", lastContact: "2025-06-30", died: "2040-01-10").dueDate == day("2045-06-30"))
    }

    @Test("latest: waits until every rule's event is known, then the later decides")
    func latestWaitsForEveryEvent() throws {
        let waiting = try decide("both", discharged: "2024-02-01")
        #expect(waiting.dueDate == nil)
        #expect(waiting.waitingFor == [.death])
        #expect(waiting.rule == "both: waiting for death (code)")
        #expect(try decide("both").waitingFor == [.discharge, .death])
        #expect(try decide("both", discharged: "2024-02-01", died: "2025-01-01").dueDate == day("2032-02-01"))
        #expect(try decide("both", discharged: "2024-02-01", died: "2035-01-01").dueDate == day("2036-01-01"))
    }

    // MARK: Events move due dates

    @Test("a later last contact gives a later due date")
    func laterLastContactMovesTheDueDateLater() throws {
        let before = try decide("care", lastContact: "2024-03-01")
        let after = try decide("care", lastContact: "2025-09-15")
        #expect(before.dueDate == day("2044-03-01"))
        #expect(after.dueDate == day("2045-09-15"))
    }

    @Test("recording a death brings an earliest-combined due date forward")
    func deathBringsTheDueDateForward() throws {
        #expect(try decide("care", lastContact: "2024-03-01").dueDate == day("2044-03-01"))
        #expect(try decide("care", lastContact: "2024-03-01", died: "2027-07-07").dueDate == day("2037-07-07"))
    }

    @Test("renewing consent moves a consent-based due date")
    func renewingConsentMovesTheDueDate() throws {
        #expect(try decide("consent", consent: "2024-01-10").dueDate == day("2027-01-10"))
        #expect(try decide("consent", consent: "2026-09-01").dueDate == day("2029-09-01"))
    }

    // MARK: Holds

    @Test("a hold beats every rule, event, withdrawal and minimum")
    func holdBeatsEverything() throws {
        for classID in ["care", "both", "captured", "consent", "discharge", "floored"] {
            let decision = try decide(
                classID,
                captured: "2000-01-01",
                consent: "2000-01-01",
                withdrawn: "2000-01-02",
                lastContact: "2000-01-03",
                discharged: "2000-01-03",
                died: "2000-01-04",
                onHold: true
            )
            #expect(decision.held)
            #expect(decision.dueDate == nil)
            #expect(decision.waitingFor.isEmpty)
            #expect(!Self.schedule.isDue(decision, on: .max))
        }
    }

    // MARK: Withdrawal

    @Test("withdrawal shortens to the grace period when that is sooner, and destroys")
    func withdrawalShortens() throws {
        let decision = try decide("consent", consent: "2024-01-10", withdrawn: "2024-02-15")
        #expect(decision.dueDate == day("2024-03-16"))
        #expect(decision.disposition == .destroy)
        #expect(decision.rule == "consent: 30d grace after consent withdrawal (schedule test 1)")
    }

    @Test("withdrawal never lengthens: the rule's own sooner date stays")
    func withdrawalNeverLengthens() throws {
        let decision = try decide("captured", captured: "2025-01-01", withdrawn: "2025-03-20")
        #expect(decision.dueDate == day("2025-04-01"))
        #expect(decision.disposition == .destroy)
    }

    @Test("withdrawal decides even while the rules still wait for an event")
    func withdrawalDecidesWhileWaiting() throws {
        let decision = try decide("discharge", withdrawn: "2024-05-01")
        #expect(decision.dueDate == day("2024-05-31"))
        #expect(decision.waitingFor.isEmpty)
    }

    @Test("withdrawal does not shorten a care recording, part of the clinical record")
    func withdrawalDoesNotShortenCare() throws {
        let decision = try decide("care", withdrawn: "2024-05-01", lastContact: "2025-06-30")
        #expect(decision.dueDate == day("2045-06-30"))
        #expect(decision.disposition == .review)
        #expect(decision.rule == "care: 20y after last-contact (code); consent withdrawal does not shorten this class")
        let waiting = try decide("care", withdrawn: "2024-05-01")
        #expect(waiting.dueDate == nil && waiting.waitingFor == [.lastContact, .death])
    }

    @Test("the class minimum after capture is a floor under a withdrawal")
    func minimumFloorsWithdrawal() throws {
        let decision = try decide("floored", captured: "2024-08-31", withdrawn: "2024-09-05")
        #expect(decision.dueDate == day("2025-03-01"), "6 months from 31 August is never short of them")
        #expect(decision.rule == "floored: minimum 6m after captured (code)")
        // Past the minimum, the grace period decides again.
        #expect(try decide("floored", captured: "2024-01-01", withdrawn: "2024-09-05").dueDate == day("2024-10-05"))
        // Without a withdrawal the rule (2y) is well past the minimum.
        #expect(try decide("floored", captured: "2024-01-01").dueDate == day("2026-01-01"))
    }

    // MARK: Due

    @Test("a decision is due from its due date on")
    func isDueFromTheDueDate() throws {
        let decision = try decide("captured", captured: "2025-01-31")
        #expect(!Self.schedule.isDue(decision, on: day("2025-04-30")))
        #expect(Self.schedule.isDue(decision, on: day("2025-05-01")))
        #expect(Self.schedule.isDue(decision, on: day("2030-01-01")))
    }

    @Test("an unknown class is an error listing the known ones")
    func unknownClass() {
        #expect(
            throws: RetentionError.unknownClass(
                "trainig",
                known: ["both", "captured", "care", "consent", "discharge", "floored"]
            )
        ) {
            try decide("trainig")
        }
        #expect(
            RetentionError.unknownClass("x", known: ["a", "b"]).description
                == "unknown retention class \"x\"; the schedule defines: a, b"
        )
    }

    @Test("a schedule refuses two classes with one id, or a class without rules")
    func scheduleRefusesInconsistentClasses() {
        let care = RetentionClass(
            id: "care",
            title: "t",
            rules: [RetentionRule(period("1y"), after: .captured)],
            disposition: .destroy,
            withdrawalShortens: true,
            source: "s"
        )
        var empty = care
        empty.rules = []
        #expect(throws: RetentionError.schedule(source: "s", line: nil, message: "class care is defined twice")) {
            try RetentionSchedule(name: "s", version: "1", withdrawalGrace: .zero, classes: [care, care])
        }
        #expect(throws: RetentionError.schedule(source: "s", line: nil, message: "class care has no rules")) {
            try RetentionSchedule(name: "s", version: "1", withdrawalGrace: .zero, classes: [empty])
        }
    }

    // MARK: Several purposes

    @Test("for several purposes the longest retention wins: hold, then waiting, then the latest date")
    func longestWins() throws {
        let supervision = try decide("captured")
        let training = try decide("consent", consent: "2024-01-10")
        let care = try decide("care")
        let held = try decide("captured", onHold: true)
        #expect(RetentionDecision.longest(of: [supervision, training]) == training)
        #expect(RetentionDecision.longest(of: [training, care, supervision]) == care)
        #expect(RetentionDecision.longest(of: [care, held, training]) == held)
        #expect(RetentionDecision.longest(of: []) == nil)
        var review = supervision
        review.disposition = .review
        #expect(RetentionDecision.longest(of: [supervision, review]) == review)
    }
}
