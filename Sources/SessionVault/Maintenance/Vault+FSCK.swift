public import Foundation
import VaultIndex

/// One thing `fsck` found, and what it means.
public struct FSCKFinding: Sendable, Codable, Hashable {
    public enum Severity: String, Sendable, Codable { case error, warning, repaired }
    public var severity: Severity
    /// A short machine-readable kind: `chunk`, `no-wraps`, `stale-wraps`, `audit`, `due-date`, `abandoned-ingest`,
    /// `interrupted-destruction`, `orphan-blobs`, `stray-key`, `bare-wraps`, `erased-wrap`, `stray-leaves`.
    public var kind: String
    public var subject: String
    public var meaning: String
}

/// What `fsck` checked and found.
public struct FSCKReport: Sendable, Codable {
    public var repair: Bool
    public var recordings = 0
    public var chunks = 0
    public var auditEntries: Int64 = 0
    public var findings: [FSCKFinding] = []

    /// Problems left that need a person (errors not repaired).
    public var errors: [FSCKFinding] { findings.filter { $0.severity == .error } }
}

extension Vault {
    /// Checks that catalog, blobs, keyring and audit trail agree. With `repair`, it removes
    /// orphans, finishes interrupted destructions, deletes wraps left on non-live recordings and
    /// corrects due dates; it never deletes a blob that a live recording references, and never
    /// touches what it cannot safely decide (missing or corrupt chunks are reported for restore).
    public func fsck(repair: Bool, grace: TimeInterval = 3600, by authority: Authority,
                     progress: (@Sendable (String) -> Void)? = nil) async throws(VaultError) -> FSCKReport {
        try await vaultBoundary {
            // Checking needs no proof; repairing adopts the schedule and rewrites rows, which does.
            let actor = repair ? try await authorize(authority, for: .adoptSchedule) : authority.actor
            var report = FSCKReport(repair: repair)
            func add(_ severity: FSCKFinding.Severity, _ kind: String, _ subject: String, _ meaning: String) {
                report.findings.append(FSCKFinding(severity: severity, kind: kind, subject: subject, meaning: meaning))
            }

            progress?("chunks")
            let scrub = try await verify(actor: actor)
            report.recordings = scrub.recordings
            report.chunks = scrub.chunks
            for problem in scrub.problems {
                add(.error, "chunk", "recording \(problem.recording)" + (problem.chunk.map { " chunk \($0)" } ?? ""),
                    "\(problem.problem): the recording cannot be read in full; restore the blob from a backup (fsck never guesses)")
            }

            progress?("wraps")
            for id in try await catalog.liveRecordingsWithoutWraps(limit: 10_000) {
                add(.error, "no-wraps", "recording \(id)", "live but no role holds a key: it can never be read (restore the catalog's wraps from a backup)")
            }
            let stale = try await catalog.wrapsOfRecordingsNotLive(limit: 10_000)
            if !stale.isEmpty {
                let subjects = Set(stale.map(\.recording.description)).sorted()
                if repair {
                    let removed = try await catalog.deleteWrapsOfRecordingsNotLive(
                        audit: AuditDraft(actor: actor, action: .fsckRepair, detail: "deleted wraps of recordings that are not live"))
                    try await eraseLeaves(of: stale)
                    add(.repaired, "stale-wraps", subjects.joined(separator: ", "), "\(removed) wraps of destroyed or disposing recordings deleted (crypto-shred finished)")
                } else {
                    add(.error, "stale-wraps", subjects.joined(separator: ", "), "destroyed or disposing recordings still have wraps: their keys were not shredded")
                }
            }

            progress?("erasure tree")
            let erasureCheck = try await checkErasure()
            for wrap in erasureCheck.unopenable {
                add(.error, "erased-wrap", "recording \(wrap.recording) role \(wrap.role)",
                    "the wrap's erasure leaf is gone or does not open it: no one can use this wrap (an erasure that did not finish, or a catalog restored without its tree)")
            }
            if !erasureCheck.bare.isEmpty {
                if repair {
                    let sealed = try await sealBareWraps(erasureCheck.bare)
                    add(.repaired, "bare-wraps", "\(sealed) wraps", "sealed under the erasure tree; copies of the catalog made before this still hold them bare (rotate the roles to retire the keys that open those)")
                } else {
                    add(.warning, "bare-wraps", "\(erasureCheck.bare.count) wraps",
                        "not sealed under the erasure tree (written by an earlier version): deleting them does not erase them from catalog copies; `fsck --repair` seals them")
                }
            }
            if !repair, let erasure, case let marked = try await erasure.pending(), !marked.isEmpty {
                add(.warning, "interrupted-erasure", "\(marked.count) leaves",
                    "marked for erasure by a change that was interrupted: the next sweep or `fsck --repair` finishes it")
            }
            if repair, erasure != nil {
                let settled = try await settlePendingErasures()
                if settled > 0 { add(.repaired, "interrupted-erasure", "\(settled) leaves", "an erasure interrupted after its catalog change is finished") }
                let collected = try await eraseUnreferencedLeaves(grace: grace)
                if collected > 0 { add(.repaired, "stray-leaves", "\(collected) leaves", "erasure leaves no wrap refers to (interrupted erasures or ingests) erased") }
            }

            progress?("audit")
            let audit = try await verifyAudit()
            report.auditEntries = audit.entries
            for problem in audit.problems.sorted(by: { $0.sequence < $1.sequence }) {
                add(.error, "audit", "audit entry \(problem.sequence)", problem.problem)
            }

            progress?("consent")
            let consentCheck = try await consentRegisterProblems()
            var alteredSessions = Set(consentCheck.altered.map(\.session))
            var verifiedConsents: [String: [ConsentRecord]] = [:]
            for (session, reason) in consentCheck.altered {
                add(.error, "consent-register", "session \(session)",
                    "\(reason): nothing that depends on its consent (ingest, withdrawal, due dates) is done until an officer restores the register from a backup or re-records it")
            }
            if !consentCheck.unsealed.isEmpty {
                if repair, let officer = authority.officer,
                   case let sealed = try await sealUnsealedConsentRegisters(as: officer, reason: "fsck --repair"), sealed > 0 {
                    add(.repaired, "unsealed-consent", "\(sealed) session(s)", "consent registers signed by \(officer.actor) as they stand")
                } else {
                    add(.error, "unsealed-consent", consentCheck.unsealed.prefix(20).joined(separator: ", "),
                        "\(consentCheck.unsealed.count) consent register(s) no officer has signed: decisions that read them are refused until a records officer runs `fsck --repair` (after checking them)")
                }
            }

            progress?("retention")
            let planner = try retentionPlanner()
            // The digest of the very bytes the dates below are checked against.
            let scheduleDigest = planner.digest
            // Keyset pages in id order from the lowest id (a filter without `after` is in creation
            // order, so the first page must have one too, or pages would overlap and skip).
            var after: RecordingID? = try RecordingID(bytes: [UInt8](repeating: 0, count: 16))
            var corrections: [DueDateUpdate] = []
            while true {
                let batch = try await catalog.recordings(RecordingFilter(limit: 1000, after: after))
                guard let last = batch.last else { break }
                after = last.id
                for recording in batch {
                    // Due dates are never recomputed from a consent register that does not verify.
                    if alteredSessions.contains(recording.session) { continue }
                    let consents: [ConsentRecord]
                    if let known = verifiedConsents[recording.session] {
                        consents = known
                    } else {
                        do {
                            consents = try await self.consents(of: recording.session)
                            verifiedConsents[recording.session] = consents
                        } catch {
                            alteredSessions.insert(recording.session)
                            add(.error, "consent-register", "session \(recording.session)", "\(error): its due dates are not recomputed")
                            continue
                        }
                    }
                    let patient = try await catalog.patient(recording.patient)
                    let outcome = try await scheduledUpdate(of: recording, planner: planner, patient: patient, consents: consents)
                    if outcome.dueOn != recording.dueOn {
                        corrections.append(outcome)
                        add(repair ? .repaired : .warning, "due-date", "recording \(recording.id)",
                            "due date \(recording.dueOn?.description ?? "none") does not match the schedule (\(outcome.dueOn?.description ?? "none"))")
                    }
                }
            }
            if repair && !corrections.isEmpty {
                try await catalog.updateDueDates(corrections, patient: nil,
                                                 audit: AuditDraft(actor: actor, action: .fsckRepair, detail: "\(corrections.count) due dates corrected"))
            }
            // Every due date now follows the schedule as parsed above (after a repair) or differs as
            // reported: the sweeper may destroy by them only in the first case.
            if try await catalog.meta(Self.scheduleDigestKey) != scheduleDigest {
                if try currentScheduleDigest() != scheduleDigest {
                    add(.error, "schedule", retentionScheduleURL.lastPathComponent, "changed while fsck was checking due dates: run fsck again")
                } else if repair {
                    try await adoptSchedule(digest: scheduleDigest, actor: actor, reason: "fsck --repair: \(corrections.count) due dates corrected")
                    add(.repaired, "schedule", retentionScheduleURL.lastPathComponent, "the stored due dates now follow this schedule; sweeps may destroy again")
                } else {
                    add(.error, "schedule", retentionScheduleURL.lastPathComponent,
                        "changed since the stored due dates were last checked: sweeps destroy nothing until `fsck --repair`")
                }
            }

            progress?("interrupted work")
            let disposing = try await catalog.disposing(limit: 10_000)
            if !disposing.isEmpty {
                if repair {
                    var deferred = Set<RecordingID>()
                    let finished = try await finishDisposals(disposing, actor: actor, deferred: &deferred)
                    add(.repaired, "interrupted-destruction", "\(finished) recordings", "destruction finished: blobs deleted, destruction records written")
                } else {
                    add(.warning, "interrupted-destruction", disposing.map(\.id.description).joined(separator: ", "),
                        "destruction started (keys shredded) but not finished; the next sweep or `fsck --repair` finishes it")
                }
            }
            let garbage = try await collectGarbage(grace: grace, dryRun: !repair, actor: actor)
            if !garbage.abandonedIngests.isEmpty {
                add(repair ? .repaired : .warning, "abandoned-ingest", garbage.abandonedIngests.joined(separator: ", "),
                    "ingests that never committed (their process died): invisible; staging rows and blobs \(repair ? "removed" : "removable by gc")")
            }
            if garbage.orphanBlobs > 0 {
                add(repair ? .repaired : .warning, "orphan-blobs", "\(garbage.orphanBlobs) blobs (\(ByteCount.format(garbage.orphanBytes)))",
                    "blobs no recording references \(repair ? "deleted" : "(removable by gc)")")
            }

            progress?("keyring")
            for role in try await catalog.roles() {
                let inUse = try await catalog.keyIDsInUse(role: role.name).union([role.keyID])
                for keyID in keyring.roleKeyIDs(role: role.name) where !inUse.contains(keyID) {
                    add(.warning, "stray-key", "role \(role.name) key \(keyID)",
                        "a key file no wrap uses (left by an interrupted `role add` or `role rotate`; `role rotate` retires it)")
                }
                for keyID in inUse.sorted() where !keyring.roleKeyIDs(role: role.name).contains(keyID) {
                    add(.error, "missing-key", "role \(role.name) key \(keyID)", "wraps use this key but its file is not in the keyring: restore it from a backup")
                }
            }
            return report
        }
    }
}
