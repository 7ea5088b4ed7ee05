extension RetentionSchedule {
    /// Decides when, and how, a recording's retention ends.
    ///
    /// In order of precedence:
    /// 1. A hold keeps the recording: `held`, no due date.
    /// 2. Each rule whose event is known gives a date, event + period; the class's
    ///    ``RetentionClass/combine`` picks one. An unknown event never lets a recording go early:
    ///    with `earliest` it is left out (the known rules decide), with `latest` the whole
    ///    decision waits for it.
    /// 3. If the last justifying consent was withdrawn and the class's
    ///    ``RetentionClass/withdrawalShortens``, the due date becomes the earlier of the rules'
    ///    date and withdrawal + ``withdrawalGrace`` (the latter alone while the rules wait), and
    ///    the disposition becomes `destroy`: nothing is left to justify keeping it.
    /// 4. The class's ``RetentionClass/minimum`` after capture is a floor under all of that.
    ///
    /// `last-contact` is the later of the last-contact and discharge events (a discharge is a
    /// contact), and a last contact or discharge dated before the recording was captured belongs
    /// to an earlier episode of care: the rule waits for a newer one.
    ///
    /// - Throws: ``RetentionError/unknownClass(_:known:)`` for a class the schedule lacks, or
    ///   ``RetentionError/schedule(source:line:message:)`` for a class built with no rules.
    public func decide(_ facts: RecordingRetentionFacts) throws(RetentionError) -> RetentionDecision {
        let retentionClass = try retentionClass(facts.classID)
        let id = retentionClass.id
        guard !retentionClass.rules.isEmpty else {
            throw .schedule(source: name, line: nil, message: "class \(id) has no rules")
        }
        if facts.onHold {
            return RetentionDecision(
                classID: id,
                dueDate: nil,
                disposition: retentionClass.disposition,
                rule: "\(id): held (a legal hold or inquiry moratorium overrides the schedule)",
                held: true
            )
        }

        let citation = "(\(retentionClass.source))"
        let (ruleDue, waiting) = Self.combinedRuleDate(of: retentionClass, facts)
        var decided = ruleDue.map { (due: $0.due, reason: "\($0.rule) \(citation)") }
        var disposition = retentionClass.disposition
        var remark = ""
        if let withdrawn = facts.consentWithdrawnAt {
            if retentionClass.withdrawalShortens {
                // Nothing justifies keeping it any more, so there is nothing left to review.
                disposition = .destroy
                let graceDue = withdrawn.addingAtLeast(withdrawalGrace)
                if decided.map({ graceDue < $0.due }) ?? true {
                    let reason = "\(withdrawalGrace) grace after consent withdrawal (schedule \(name) \(version))"
                    decided = (graceDue, reason)
                }
            } else {
                remark = "; consent withdrawal does not shorten this class"
            }
        }

        guard var (due, reason) = decided else {
            let joiner = retentionClass.combine == .earliest ? " or " : " and "
            var awaited = waiting.map(\.rawValue).joined(separator: joiner)
            if Self.hasStaleEpisodeEvent(facts, waitingFor: waiting) {
                awaited += "; the recorded last contact or discharge predates this recording"
            }
            return RetentionDecision(
                classID: id,
                dueDate: nil,
                disposition: disposition,
                rule: "\(id): waiting for \(awaited) \(citation)\(remark)",
                waitingFor: waiting
            )
        }
        if let minimum = retentionClass.minimum, facts.capturedAt.addingAtLeast(minimum) > due {
            (due, reason) = (facts.capturedAt.addingAtLeast(minimum), "minimum \(minimum) after captured \(citation)")
        }
        if let children = retentionClass.children, let floor = Self.childrenFloor(children, facts), floor.due > due {
            (due, reason) = floor
        }
        return RetentionDecision(classID: id, dueDate: due, disposition: disposition, rule: "\(id): \(reason)\(remark)")
    }

    /// The date the class's rules give, with the rule that decided, and the triggers whose
    /// events are still unknown (in rule order). No date while the combination must wait.
    private static func combinedRuleDate(
        of retentionClass: RetentionClass,
        _ facts: RecordingRetentionFacts
    ) -> (decided: (rule: RetentionRule, due: CivilDate)?, waiting: [RetentionTrigger]) {
        var known: [(rule: RetentionRule, due: CivilDate)] = []
        var waiting: [RetentionTrigger] = []
        for rule in retentionClass.rules {
            if let start = triggerDate(rule.trigger, facts) {
                known.append((rule, start.addingAtLeast(rule.period)))
            } else if !waiting.contains(rule.trigger) {
                waiting.append(rule.trigger)
            }
        }
        switch retentionClass.combine {
        case .earliest:
            return (known.min { $0.due < $1.due }, waiting)
        case .latest:
            return (waiting.isEmpty ? known.max { $0.due < $1.due } : nil, waiting)
        }
    }

    /// The children's rule for a patient who could have been under 18 when the recording was made
    /// (only the birth month is known, so every doubt keeps the recording longer): until the
    /// `untilBirthday`th birthday, or the `untilBirthdayIf17AtEnd`th if they could have been 17
    /// when treatment ended or it has not ended yet, or `afterDeath` after death if that is sooner.
    /// Nil when no birth month is recorded, or the patient was an adult when recorded.
    static func childrenFloor(_ rule: ChildrenRule, _ facts: RecordingRetentionFacts) -> (due: CivilDate, reason: String)? {
        guard let born = facts.events.bornIn, born.couldBeUnder(18, on: facts.capturedAt) else { return nil }
        let end = triggerDate(.lastContact, facts)
        let seventeenAtEnd = end.map { born.couldBe(17, on: $0) } ?? true
        let birthday = seventeenAtEnd ? rule.untilBirthdayIf17AtEnd : rule.untilBirthday
        var due = born.latestBirthday(birthday)
        var reason = "treated as a child: until the \(birthday)th birthday"
            + (seventeenAtEnd ? (end == nil ? " (treatment not ended)" : " (17 when treatment ended)") : "")
        if let afterDeath = rule.afterDeath, let died = facts.events.died, died.addingAtLeast(afterDeath) < due {
            due = died.addingAtLeast(afterDeath)
            reason = "treated as a child: \(afterDeath) after death"
        }
        return (due, "\(reason) (\(rule.source))")
    }

    /// The day a trigger's period starts, or `nil` while its event is unknown.
    static func triggerDate(_ trigger: RetentionTrigger, _ facts: RecordingRetentionFacts) -> CivilDate? {
        let events = facts.events
        switch trigger {
        case .captured:
            return facts.capturedAt
        case .consent:
            return facts.consentDate
        case .lastContact:
            let latest = [events.lastContact, events.discharged].compactMap { $0 }.max()
            return latest.flatMap { $0 >= facts.capturedAt ? $0 : nil }
        case .discharge:
            return events.discharged.flatMap { $0 >= facts.capturedAt ? $0 : nil }
        case .death:
            return events.died
        }
    }

    private static func hasStaleEpisodeEvent(_ facts: RecordingRetentionFacts, waitingFor: [RetentionTrigger]) -> Bool {
        let episodeEvents: [(RetentionTrigger, CivilDate?)] = [
            (.lastContact, [facts.events.lastContact, facts.events.discharged].compactMap { $0 }.max()),
            (.discharge, facts.events.discharged),
        ]
        return episodeEvents.contains { trigger, date in waitingFor.contains(trigger) && date != nil }
    }
}
