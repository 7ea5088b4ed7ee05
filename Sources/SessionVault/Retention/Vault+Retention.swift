import Foundation
import Retention
public import VaultCrypto
public import VaultIndex

/// What a consent withdrawal did.
public struct WithdrawalSummary: Sendable, Codable {
    public var session: String
    public var scope: String
    public var withdrawnOn: CivilDate
    public var revokedRoles: [String]
    public var wrapsRevoked: Int
    public var recordings: [String]
    public var remainingScopes: [String]
    public var dueDates: [String: CivilDate?]
}

extension Vault {
    /// Withdraws one consented scope of a session. In one transaction: the consent is marked
    /// withdrawn, the wraps of every role that only this scope justified are deleted from the
    /// session's recordings (from then on those roles cannot decrypt), and due dates are
    /// recomputed (a recording no remaining scope justifies becomes due after the schedule's grace
    /// period, unless its class keeps it).
    public func withdrawConsent(session: String, scope: String, on date: CivilDate? = nil, by authority: Authority) async throws(VaultError) -> WithdrawalSummary {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .consent)
            try Self.validateSession(session)
            let withdrawnOn = date ?? CivilDate(clock())
            guard withdrawnOn <= CivilDate(clock()) else { throw VaultError.invalidArgument("withdrawal date \(withdrawnOn) is in the future") }
            let consents = try await consents(of: session)
            guard consents.contains(where: { $0.isActive && $0.scope == scope }) else { throw VaultError.noActiveScope(session: session, scope: scope) }
            let now = clock()
            let after = consents.map { consent -> ConsentRecord in
                guard consent.isActive, consent.scope == scope else { return consent }
                var withdrawn = consent
                withdrawn.withdrawnOn = withdrawnOn
                withdrawn.withdrawalRecordedAt = now
                return withdrawn
            }
            let remaining = Array(Set(after.filter(\.isActive).map(\.scope))).sorted()
            let keep = Set(config.roles(forScopes: remaining))
            let revoke = config.roles(forScopes: [scope]).filter { !keep.contains($0) }
            let planner = try retentionPlanner()
            let recordings = try await catalog.recordings(RecordingFilter(session: session))
            var patient: PatientRecord? = nil
            if let first = consents.first { patient = try await catalog.patient(first.patient) }
            func dueDates(of recordings: [RecordingRecord]) async throws -> [DueDateUpdate] {
                var updates: [DueDateUpdate] = []
                for recording in recordings {
                    updates.append(try await scheduledUpdate(of: recording, planner: planner, patient: patient, consents: after))
                }
                return updates
            }
            var updates = try await dueDates(of: recordings)
            // The wraps this withdrawal deletes: their erasure leaves go once the catalog has committed.
            var revokedWraps: [WrapRecord] = []
            for recording in recordings where recording.state == .live {
                for role in revoke { if let wrap = try await catalog.wrap(of: recording.id, role: role) { revokedWraps.append(wrap) } }
            }
            try await markForErasure(revokedWraps)
            let revoked: [WrapRecord]
            do {
                revoked = try await catalog.withdrawConsent(
                session: session, scope: scope, withdrawnOn: withdrawnOn, recordedAt: now, revokeRoles: revoke, dueUpdates: updates,
                seal: consentSealer(authority), audit: AuditDraft(actor: actor, action: .consentWithdraw, target: session, purpose: scope,
                                  detail: "withdrawn \(withdrawnOn); roles revoked: \(revoke.isEmpty ? "none" : revoke.joined(separator: ","))"))
            } catch {
                // Nothing changed in the catalog: the marked leaves are unmarked (their wraps are still there).
                _ = try? await settlePendingErasures()
                throw error
            }
            // A recording committed between the listing above and the withdrawal lost its revoked wraps
            // in that transaction, but its due date was not in `updates`: recompute it now.
            let listed = Set(recordings.map(\.id))
            let missed = try await catalog.recordings(RecordingFilter(session: session)).filter { !listed.contains($0.id) }
            if !missed.isEmpty {
                let late = try await dueDates(of: missed)
                try await catalog.updateDueDates(late, patient: nil, audit: AuditDraft(actor: actor, action: .consentWithdraw, target: session, purpose: scope,
                                                                                         detail: "due dates of \(late.count) recording(s) committed during the withdrawal"))
                updates += late
            }
            reached(.withdrawAfterCommit)
            // The catalog returns every wrap it deleted, those of a recording committed during the
            // withdrawal too: all their leaves go now.
            try await eraseLeaves(of: revokedWraps + revoked)
            return WithdrawalSummary(session: session, scope: scope, withdrawnOn: withdrawnOn, revokedRoles: revoke, wrapsRevoked: revoked.count,
                                     recordings: recordings.map(\.id.description), remainingScopes: remaining,
                                     dueDates: Dictionary(uniqueKeysWithValues: updates.map { ($0.recording.description, $0.dueOn) }))
        }
    }

    /// Records a patient's last contact, discharge or death and moves the due dates of all their
    /// live recordings accordingly, in one transaction.
    ///
    /// An event only moves a recorded date later: an earlier one (which could shorten retention) is
    /// a `correction`, whose reason is audited. A date after today, or a contact or discharge after
    /// the recorded death, is refused.
    ///
    /// `born` (`YYYY-MM`, or a full date of which only the month is kept) brings in the schedule's
    /// rule for patients treated as children. A month after today, after a recorded contact or
    /// after the death is refused; changing a recorded month is a correction.
    public func recordPatientEvent(patient identifier: String, lastContact: CivilDate? = nil, discharged: CivilDate? = nil, died: CivilDate? = nil,
                                   born: String? = nil, correction: String? = nil, vaultPassphrase: SecureBytes,
                                   by authority: Authority) async throws(VaultError) -> [DueDateUpdate] {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .patientEvent)
            let today = CivilDate(clock())
            let bornIn = try born.map { (text) throws -> BirthMonth in
                guard let month = BirthMonth(text) else { throw VaultError.invalidArgument("invalid --born '\(text)': expected YYYY-MM or YYYY-MM-DD") }
                guard month.firstDay <= today else { throw VaultError.invalidArgument("--born \(month) is after today (\(today))") }
                return month
            }
            for (name, value) in [("--last-contact", lastContact), ("--discharged", discharged), ("--died", died)] {
                guard let value else { continue }
                guard value <= today else { throw VaultError.invalidArgument("\(name) \(value) is after today (\(today)): an event is recorded once it has happened") }
            }
            try AuditText.check(correction, field: "correction reason")
            if let correction, correction.trimmingCharacters(in: .whitespaces).isEmpty {
                throw VaultError.invalidArgument("a correction needs its reason")
            }
            guard lastContact != nil || discharged != nil || died != nil || born != nil else {
                throw VaultError.invalidArgument("give at least one of --last-contact, --discharged, --died, --born")
            }
            let pseudonym = try await pseudonymKey(officer: authority.officer, vaultPassphrase: vaultPassphrase).pseudonym(of: identifier)
            guard var patient = try await catalog.patient(pseudonym) else {
                throw VaultError.invalidArgument("no patient with that identifier has consent on record in this vault")
            }
            for (name, recorded, given) in [("last contact", patient.lastContact, lastContact), ("discharge", patient.discharged, discharged),
                                            ("death", patient.died, died)] {
                if let recorded, let given, given < recorded, correction == nil {
                    throw VaultError.invalidArgument("the recorded \(name) is \(recorded); \(given) is earlier and could shorten retention: "
                                                     + "record it as a correction, with its reason (--correction REASON)")
                }
            }
            let recordedBirth = patient.bornMonth
            if let bornIn { patient.bornMonth = bornIn.description }
            if let lastContact { patient.lastContact = lastContact }
            if let discharged { patient.discharged = discharged }
            if let died { patient.died = died }
            if let death = patient.died {
                for (name, value) in [("last contact", patient.lastContact), ("discharge", patient.discharged)] {
                    if let value, value > death { throw VaultError.invalidArgument("a \(name) on \(value) is after the death on \(death)") }
                }
            }
            if let month = patient.bornMonth.flatMap(BirthMonth.init) {
                for (name, value) in [("last contact", patient.lastContact), ("discharge", patient.discharged), ("death", patient.died)] {
                    if let value, value < month.firstDay {
                        throw VaultError.invalidArgument("a birth in \(month) is after the recorded \(name) on \(value)")
                    }
                }
            }
            if let bornIn, let recordedBirth, recordedBirth != bornIn.description, correction == nil {
                throw VaultError.invalidArgument("the recorded birth month is \(recordedBirth); changing it to \(bornIn) could shorten retention: "
                                                 + "record it as a correction, with its reason (--correction REASON)")
            }
            let planner = try retentionPlanner()
            var updates: [DueDateUpdate] = []
            for recording in try await catalog.recordings(RecordingFilter(patient: pseudonym)) {
                let consents = try await consents(of: recording.session)
                updates.append(try await scheduledUpdate(of: recording, planner: planner, patient: patient, consents: consents))
            }
            let events = [("last-contact", lastContact?.description), ("discharged", discharged?.description), ("died", died?.description),
                          ("born", bornIn?.description)]
                .compactMap { name, value in value.map { "\(name) \($0)" } }
            try await catalog.updateDueDates(updates, patient: patient,
                                             audit: AuditDraft(actor: actor, action: correction == nil ? .patientEvent : .patientCorrection,
                                                               target: "patient:" + pseudonym.prefix(16),
                                                               detail: events.joined(separator: ", ") + "; \(updates.count) due dates recomputed"
                                                                   + (correction.map { "; correction: \($0)" } ?? "")))
            return updates
        }
    }

    /// Places a legal hold on one recording or on all of a patient's recordings (present and future).
    public func placeHold(recording: RecordingID?, patient: String?, vaultPassphrase: SecureBytes?, reason: String, caseRef: String,
                          by authority: Authority) async throws(VaultError) -> Int64 {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .placeHold)
            guard (recording == nil) != (patient == nil) else { throw VaultError.invalidArgument("give exactly one of --recording and --patient") }
            try AuditText.check(reason, field: "hold reason")
            try AuditText.check(caseRef, field: "hold case reference")
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty, !caseRef.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw VaultError.invalidArgument("a hold needs a --reason and a case --ref")
            }
            var pseudonym: String? = nil
            if let patient {
                pseudonym = try await pseudonymKey(officer: authority.officer, vaultPassphrase: vaultPassphrase).pseudonym(of: patient)
            }
            if let recording, try await catalog.recording(recording) == nil { throw VaultError.recordingNotFound(recording.description) }
            let hold = HoldRecord(recording: recording, patient: pseudonym, reason: reason, caseRef: caseRef, placedBy: actor, placedAt: clock())
            let id: Int64
            do {
                id = try await catalog.placeHold(hold, audit: AuditDraft(actor: actor, action: .holdPlace,
                                                                         target: recording?.description ?? "patient:" + (pseudonym ?? "").prefix(16),
                                                                         purpose: caseRef))
            } catch {
                if case .invalidState(_, _, let found)? = error as? CatalogError, let recording {
                    throw VaultError.notLive(recording: recording, state: found)
                }
                throw error
            }
            // The catalog is the authority (the sweeper never destroys a held recording); the store's
            // legal hold adds WORM protection underneath it.
            try await syncLegalHolds(try await recordings(coveredBy: hold), context: "hold \(id) is placed in the catalog")
            return id
        }
    }

    /// Releases a hold (its recordings follow the schedule again). `reason`, if given, is kept in
    /// the audit entry.
    public func releaseHold(_ id: Int64, reason: String? = nil, by authority: Authority) async throws(VaultError) {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .releaseHold)
            try AuditText.check(reason, field: "release reason")
            let why = reason.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
            try await catalog.releaseHold(id, by: actor, at: clock(), audit: AuditDraft(actor: actor, action: .holdRelease, target: "hold:\(id)",
                                                                                        detail: why))
            if let hold = try await catalog.holds(includeReleased: true).first(where: { $0.id == id }) {
                try await syncLegalHolds(try await recordings(coveredBy: hold), context: "hold \(id) is released in the catalog")
            }
        }
    }

    /// Makes the store's legal holds agree with the catalog for every recording any hold (active or
    /// released) ever covered: after an interrupted `hold place` or `hold release`, or a restore.
    /// Returns how many recordings were checked.
    @discardableResult
    public func syncAllLegalHolds() async throws(VaultError) -> Int {
        try await vaultBoundary {
            var ids = Set<RecordingID>()
            for hold in try await catalog.holds(includeReleased: true) {
                ids.formUnion(try await recordings(coveredBy: hold))
            }
            try await syncLegalHolds(ids.sorted { $0.description < $1.description }, context: "the catalog's holds are unchanged")
            return ids.count
        }
    }

    func recordings(coveredBy hold: HoldRecord) async throws -> [RecordingID] {
        if let recording = hold.recording { return [recording] }
        guard let patient = hold.patient else { return [] }
        return try await catalog.recordings(RecordingFilter(patient: patient)).map(\.id)
    }

    /// Sets or lifts the store's legal hold on every chunk of each live recording, as the catalog's
    /// holds say. A store that cannot enforce holds (a filesystem) makes this a no-op.
    func syncLegalHolds(_ ids: [RecordingID], context: String) async throws {
        for id in ids {
            guard let record = try await catalog.recording(id), record.state == .live else { continue }
            let held = try await catalog.isHeld(id)
            do {
                for index in 0..<record.chunkCount {
                    try await store.setLegalHold(try ChunkLayout.key(of: id, index: index, generation: record.chunkGeneration), on: held)
                }
            } catch {
                throw VaultError.legalHoldNotApplied(recording: id, held: held, context: context, reason: "\(error)")
            }
        }
    }

    /// Whether a patient hold covers new recordings of this patient (their chunks are then written under legal hold).
    func patientIsHeld(_ pseudonym: String) async throws -> Bool {
        try await catalog.holds(includeReleased: false).contains { $0.patient == pseudonym && $0.releasedAt == nil }
    }
}

