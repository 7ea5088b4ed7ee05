import Foundation
import Retention
import VaultIndex

/// Applies the vault's retention schedule to recordings: the bridge between the pure
/// `Retention` model and the catalog's rows.
struct RetentionPlanner: Sendable {
    let schedule: RetentionSchedule
    let path: String
    /// SHA-256 (hex) of the file's bytes this was parsed from (see `ScheduleAgreement.swift`).
    let digest: String
    /// The consent scopes the vault knows. A class named like a scope (care, training, ...) is
    /// justified by that scope alone; any other class (e.g. review-copy) by any scope.
    let scopeNames: Set<String>

    /// The scopes whose consent justifies keeping a recording of `retentionClass`.
    func justifyingScopes(_ retentionClass: String, among consents: [ConsentRecord]) -> [ConsentRecord] {
        scopeNames.contains(retentionClass) ? consents.filter { $0.scope == retentionClass } : consents
    }

    /// The due date and rule the schedule gives a recording, as stored in the catalog.
    struct Outcome: Sendable {
        var dueOn: CivilDate?
        var disposition: Disposition?
        var rule: String?
    }

    /// The schedule's decision; a schedule that cannot decide is a configuration error naming its file.
    func decide(_ facts: RecordingRetentionFacts) throws -> RetentionDecision {
        do {
            return try schedule.decide(facts)
        } catch {
            throw VaultError.config(path: path, line: nil, message: error.description)
        }
    }

    /// The class, checked against whether the recording is derived from another (the class's
    /// `derived` rule in the schedule).
    func requireClass(_ id: String, derived: Bool = false) throws {
        let found: RetentionClass
        do {
            found = try schedule.retentionClass(id)
        } catch {
            throw VaultError.invalidArgument("retention class: \(error.description)")
        }
        switch (found.derived, derived) {
        case (.required, false):
            throw VaultError.invalidArgument("retention class '\(id)' is for copies derived from another recording (a review copy is made "
                                             + "with `sessionvault review ID --store`); an original filed under it would be destroyed without review")
        case (.forbidden, true):
            throw VaultError.invalidArgument("retention class '\(id)' is for original recordings, not copies")
        default:
            break
        }
    }

    func events(of patient: PatientRecord?) -> PatientEvents {
        PatientEvents(lastContact: patient?.lastContact, discharged: patient?.discharged, died: patient?.died,
                      bornIn: patient?.bornMonth.flatMap(BirthMonth.init))
    }

    func decide(vault: Vault, retentionClass: String, patient: String, capturedOn: CivilDate, consents: [ConsentRecord]) async throws -> Outcome {
        try decide(retentionClass: retentionClass, patient: try await vault.catalog.patient(patient), capturedOn: capturedOn, consents: consents)
    }

    /// The outcome for a recording of `retentionClass`, captured on `capturedOn`, given its
    /// session's consent history (withdrawn scopes included) and its patient's events.
    func decide(retentionClass: String, patient patientRow: PatientRecord?, capturedOn captured: CivilDate, consents: [ConsentRecord]) throws -> Outcome {
        let justifying = justifyingScopes(retentionClass, among: consents)
        let active = justifying.filter(\.isActive)
        let consentDate = active.map(\.givenOn).min()
        let withdrawnAt: CivilDate? = active.isEmpty ? justifying.compactMap(\.withdrawnOn).max() : nil
        let facts = RecordingRetentionFacts(classID: retentionClass, capturedAt: captured, consentDate: consentDate,
                                            consentWithdrawnAt: withdrawnAt, events: events(of: patientRow), onHold: false)
        let decision = try decide(facts)
        return Outcome(dueOn: decision.dueDate, disposition: decision.disposition, rule: decision.rule)
    }

    /// The earliest day on which a recording of `retentionClass` captured on `capturedOn` could
    /// ever fall due, whatever happens later: every patient event and a withdrawal of consent
    /// supposed on the day of capture (due dates only move later when events come later). A WORM
    /// store locks the recording's chunks until this day, so the lock can never outlast a lawful
    /// destruction by the schedule in force; nil if the class never falls due.
    func earliestPossibleDueOn(retentionClass: String, capturedOn captured: CivilDate) throws -> CivilDate? {
        let events = PatientEvents(lastContact: captured, discharged: captured, died: captured)
        var earliest: CivilDate? = nil
        for withdrawn in [nil, captured] as [CivilDate?] {
            let facts = RecordingRetentionFacts(classID: retentionClass, capturedAt: captured, consentDate: captured,
                                                consentWithdrawnAt: withdrawn, events: events, onHold: false)
            if let due = try decide(facts).dueDate { earliest = min(earliest ?? due, due) }
        }
        return earliest
    }
}

extension Vault {
    /// The outcome the schedule gives `recording` (its session's `consents`, its `patient`); a copy's
    /// is never later than its live source's, as the schedule gives that source.
    ///
    /// A records officer's extension holds: the due date is never before the latest extension's end
    /// (the catalog enforces the same when it stores a due date).
    func scheduledOutcome(of recording: RecordingRecord, planner: RetentionPlanner, patient: PatientRecord?,
                          consents: [ConsentRecord]) async throws -> RetentionPlanner.Outcome {
        let own = try await extended(
            planner.decide(retentionClass: recording.retentionClass, patient: patient, capturedOn: recording.capturedOn, consents: consents),
            of: recording.id)
        guard let sourceID = recording.sourceID, var source = try await catalog.recording(sourceID), source.state == .live else { return own }
        // A copy is in its source's session: the same consents and patient.
        source.dueOn = try await extended(planner.decide(retentionClass: source.retentionClass, patient: patient, capturedOn: source.capturedOn,
                                                         consents: consents), of: source.id).dueOn
        return Self.notOutliving(own, source: source)
    }

    /// ``scheduledOutcome(of:planner:patient:consents:)`` as the catalog update that stores it.
    func scheduledUpdate(of recording: RecordingRecord, planner: RetentionPlanner, patient: PatientRecord?,
                         consents: [ConsentRecord]) async throws -> DueDateUpdate {
        let outcome = try await scheduledOutcome(of: recording, planner: planner, patient: patient, consents: consents)
        return DueDateUpdate(recording: recording.id, dueOn: outcome.dueOn, disposition: outcome.disposition, rule: outcome.rule)
    }

    /// The outcome with the recording's latest retention extension applied: kept at least until it ends.
    func extended(_ outcome: RetentionPlanner.Outcome, of id: RecordingID) async throws -> RetentionPlanner.Outcome {
        guard let due = outcome.dueOn else { return outcome }
        let extensions = try await catalog.retentionExtensions(of: id).map { (until: $0.untilOn, by: $0.decidedBy) }
        guard let latest = extensions.max(by: { $0.until < $1.until }), latest.until > due else { return outcome }
        var kept = outcome
        kept.dueOn = latest.until
        kept.rule = [outcome.rule, "extended until \(latest.until) by \(latest.by)"].compactMap { $0 }.joined(separator: "; ")
        return kept
    }

    /// The retention schedule named in the configuration. Parsed once and kept while the file is
    /// unchanged (same inode, size and modification time); a long-running process (the service,
    /// the sweeper daemon) parses it again at its next use after the file changes. An edited file
    /// that does not parse is an error for every use until it is mended: nothing is decided on a
    /// half-read schedule, and the old one is not silently kept either.
    func retentionPlanner() throws -> RetentionPlanner {
        try memo.planner(stamp: FileStamp(path: retentionScheduleURL.path)) { try loadRetentionPlanner() }
    }

    var retentionScheduleURL: URL {
        config.retentionSchedule.hasPrefix("/") ? URL(fileURLWithPath: config.retentionSchedule)
            : layout.root.appendingPathComponent(config.retentionSchedule)
    }

    func loadRetentionPlanner() throws -> RetentionPlanner {
        let url = retentionScheduleURL
        let bytes = try readRetentionSchedule()
        guard let text = String(data: Data(bytes), encoding: .utf8) else {
            throw VaultError.config(path: layout.configFile.path, line: nil, message: "retention schedule '\(url.path)' cannot be read")
        }
        do {
            return RetentionPlanner(schedule: try RetentionSchedule.parse(toml: text, source: url.path), path: url.path,
                                    digest: Self.scheduleDigest(of: bytes), scopeNames: Set(config.scopes.keys))
        } catch {
            throw VaultError.config(path: url.path, line: nil, message: error.description)
        }
    }

    /// The schedule file's bytes, or a configuration error naming it.
    func readRetentionSchedule() throws -> [UInt8] {
        let url = retentionScheduleURL
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw VaultError.config(path: layout.configFile.path, line: nil, message: "retention schedule '\(url.path)' cannot be read")
        }
        return Array(data)
    }
}
