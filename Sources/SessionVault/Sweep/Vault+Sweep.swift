public import Foundation
import Retention
public import VaultIndex
import VaultStore

/// What one sweep found and did.
public struct SweepReport: Sendable, Codable {
    public var today: CivilDate
    public var dryRun: Bool
    /// Live recordings due today or earlier, by class and disposition (held ones counted apart).
    public var due: [DueSummary] = []
    /// Destructions finished that an earlier, interrupted sweep had started.
    public var resumed = 0
    public var destroyed = 0
    public var queuedForReview = 0
    /// Recordings crypto-shredded whose blobs the store would not delete yet (Object Lock); retried next sweep.
    public var deferred: [String] = []
    /// Approvals not acted on (unsigned, or a signature that does not verify), put back in the review queue.
    public var refusedApprovals: [String] = []
    /// True when another sweeper (another process or node sharing the catalog) held the sweep lock,
    /// so this one changed nothing.
    public var anotherSweeperActive = false
    public var seconds: Double = 0
}

extension Vault {
    /// One pass of the retention sweeper. Needs no key: destruction is deletion.
    ///
    /// Order of work for each recording (each step survives a crash; the next sweep finishes):
    /// 1–2. one transaction marks it `disposing` and deletes every wrap (crypto-shredding: from
    ///      here on no key can open it, whatever happens to the blobs);
    /// 3.   its blobs are deleted (idempotent);
    /// 4.   one transaction writes the destruction record and marks it `destroyed`.
    /// Held recordings are never touched; `review` dispositions are queued instead of destroyed.
    /// Works in batches, so memory does not grow with the number due.
    ///
    /// A sweep that changes anything acts only as of today by the vault's clock (the system clock;
    /// tests inject theirs when they open the vault): time cannot be borrowed to destroy early.
    /// `asOf` is for a dry run only (what would be due on a later day) and is refused otherwise.
    ///
    /// A sweep that would destroy first checks that the stored due dates follow the schedule file as
    /// it is now, and throws ``VaultError/scheduleChanged(path:recorded:current:)`` if not (see
    /// `ScheduleAgreement.swift`); a dry run only reports.
    ///
    /// Only one sweeper acts at a time among every process sharing the catalog (the catalog's
    /// exclusive lock `sweep`); if another holds it, this one returns at once with
    /// ``SweepReport/anotherSweeperActive`` set. A killed sweeper's lock is released with its
    /// process (or its database connection), and the next sweep finishes its work.
    public func sweep(dryRun: Bool = false, asOf: Date? = nil, batchSize: Int = 500, actor: String,
                      progress: (@Sendable (Int) -> Void)? = nil) async throws(VaultError) -> SweepReport {
        try await vaultBoundary {
            let started = Date()
            if let asOf, !dryRun {
                throw VaultError.timeNotBorrowable(asOf: CivilDate(asOf).description, today: today())
            }
            let today = CivilDate(asOf ?? clock())
            var report = SweepReport(today: today, dryRun: dryRun)
            report.due = try await catalog.dueSummary(on: today)
            if dryRun {
                report.seconds = Date().timeIntervalSince(started)
                return report
            }
            // Nothing is destroyed by dates an edited schedule may no longer give (ScheduleAgreement.swift).
            try await requireDueDatesFollowSchedule()
            let first = report
            if let done = try await catalog.withExclusiveLock("sweep", {
                try await self.sweepHoldingLock(today: today, report: first, batchSize: batchSize, actor: actor, started: started, progress: progress)
            }) {
                return done
            }
            report.anotherSweeperActive = true
            report.seconds = Date().timeIntervalSince(started)
            return report
        }
    }

    func sweepHoldingLock(today: CivilDate, report first: SweepReport, batchSize: Int, actor: String, started: Date,
                          progress: (@Sendable (Int) -> Void)?) async throws -> SweepReport {
        var report = first
        // Finish what an interrupted sweep started, before anything new.
        // In id order, past the ones the store still refuses to delete (they stay disposing).
        var deferred = Set<RecordingID>()
        var cursor: RecordingID? = nil
        while true {
            let batch = try await catalog.disposing(after: cursor, limit: batchSize)
            guard let last = batch.last else { break }
            cursor = last.id
            report.resumed += try await finishDisposals(batch, actor: actor, deferred: &deferred)
        }
        // A sweep (or withdrawal, or rotation) killed between its catalog change and its leaves'
        // erasure left those leaves marked: erase them now.
        try await settlePendingErasures()
        while true {
            let queued = try await catalog.queueReviews(on: today, at: clock(), limit: batchSize)
            report.queuedForReview += queued
            if queued < batchSize { break }
        }
        // An approval is acted on only if its officer's signature verifies; any other goes back to
        // the review queue (audited), so nothing is destroyed early on an unsigned or altered decision.
        var approvals: [RecordingID: (authorisation: String, reason: String?)] = [:]
        for decision in try await catalog.dispositions(status: .approved) {
            switch try await verifyApproval(decision) {
            case .success(let authorisation):
                approvals[decision.recording] = (authorisation, decision.reason)
            case .failure(let refusal):
                try await catalog.reopenDisposition(decision.recording, audit: AuditDraft(
                    actor: actor, action: .dispositionRefused, target: decision.recording.description, outcome: "refused",
                    detail: refusal.reason + "; back in the review queue"))
                report.refusedApprovals.append("\(decision.recording): \(refusal.reason)")
            }
        }
        let reasons = approvals.compactMapValues(\.reason)
        // Pipelined: the blobs of one batch are deleted (I/O, on BlockingIO's threads) while the next
        // batch is selected and crypto-shredded (SQL). Each recording still goes shred commit ->
        // blobs deleted -> destroyed commit; at most two batches are in memory.
        var pending: (records: [RecordingRecord], blobs: Task<[RecordingID], any Error>)? = nil
        defer { pending?.blobs.cancel() }
        while true {
            let dueAlone = try await catalog.destroyable(on: today, limit: batchSize)
            if dueAlone.isEmpty { break }
            var items = dueAlone.map { record in
                (id: record.id, authorisedBy: approvals[record.id]?.authorisation ?? "sweeper (schedule)")
            }
            // Cascade: a recording's review copies go with it, in the same shred transaction, each with a
            // destruction record of its own (a copy that is itself held stays: the transaction skips it).
            let due = try await withDerivedCopies(dueAlone, items: &items)
            var shreddedWraps: [WrapRecord] = []
            for record in due {
                for role in try await catalog.wrapRoles(of: record.id) {
                    if let wrap = try await catalog.wrap(of: record.id, role: role) { shreddedWraps.append(wrap) }
                }
            }
            try await markForErasure(shreddedWraps)
            let start = try await catalog.startDisposal(items, at: clock(), actor: actor)
            let startedIDs = Set(start.started)
            reached(.sweepAfterShred)
            // Crypto-shred, second half: the shredded wraps' leaves, so no copy of the catalog opens them;
            // with those the catalog deleted that were written after the listing above (a rotation or a
            // consent given again meanwhile).
            try await eraseLeaves(of: shreddedWraps.filter { startedIDs.contains($0.recording) } + start.shreddedWraps)
            var shredded = due.filter { startedIDs.contains($0.id) }
            let authorisers = Dictionary(uniqueKeysWithValues: items.map { ($0.id, $0.authorisedBy) })
            for index in shredded.indices {
                shredded[index].state = .disposing
                shredded[index].disposalAuthorisedBy = authorisers[shredded[index].id]
                shredded[index].disposalStartedAt = clock()
            }
            let batch = shredded
            let blobs = Task { try await self.deleteBlobs(of: batch) }
            if let previous = pending {
                pending = nil
                report.destroyed += try await recordDestructions(previous.records, locked: try await previous.blobs.value, actor: actor,
                                                                 deferred: &deferred, reasons: reasons)
                progress?(report.destroyed)
            }
            pending = (batch, blobs)
            if startedIDs.isEmpty { break }
        }
        if let previous = pending {
            pending = nil
            report.destroyed += try await recordDestructions(previous.records, locked: try await previous.blobs.value, actor: actor,
                                                                 deferred: &deferred, reasons: reasons)
            progress?(report.destroyed)
        }
        report.deferred = deferred.map(\.description).sorted()
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// `due` plus the live copies derived from any of them, not already in `due`; `items` gains the
    /// copies' authorisations, naming their source.
    func withDerivedCopies(_ due: [RecordingRecord], items: inout [(id: RecordingID, authorisedBy: String)]) async throws -> [RecordingRecord] {
        var all = due
        var seen = Set(due.map(\.id))
        let authorisations = Dictionary(items.map { ($0.id, $0.authorisedBy) }, uniquingKeysWith: { a, _ in a })
        for record in due {
            for copy in try await catalog.recordings(RecordingFilter(source: record.id, states: [.live])) where seen.insert(copy.id).inserted {
                all.append(copy)
                items.append((id: copy.id, authorisedBy: "with its source \(record.id) (\(authorisations[record.id] ?? "sweeper"))"))
            }
        }
        return all
    }

    /// Steps 3 and 4 for recordings already crypto-shredded. Returns how many were finished.
    func finishDisposals(_ records: [RecordingRecord], actor: String, deferred: inout Set<RecordingID>) async throws -> Int {
        try await recordDestructions(records, locked: try await deleteBlobs(of: records), actor: actor, deferred: &deferred)
    }

    /// Step 3: deletes the recordings' chunks, 16 recordings at a time. Returns the recordings whose
    /// blobs the store would not delete yet (Object Lock).
    func deleteBlobs(of records: [RecordingRecord]) async throws -> [RecordingID] {
        let store = self.store
        let faults = memo.faultInjector
        return try await withThrowingTaskGroup(of: RecordingID?.self) { group in
            var locked: [RecordingID] = []
            var inFlight = 0
            for record in records {
                if inFlight >= 16, let result = try await group.next() {
                    if let result { locked.append(result) }
                    inFlight -= 1
                }
                group.addTask {
                    do {
                        let generation = record.chunkGeneration
                        for index in 0..<max(record.chunkCount, 1) {
                            try await store.delete(try ChunkLayout.key(of: record.id, index: index, generation: generation))
                            faults?.reached(.sweepMidBlobs)
                        }
                        return nil
                    } catch let error as BlobStoreError {
                        if case .locked = error { return record.id }
                        throw error
                    }
                }
                inFlight += 1
            }
            for try await result in group { if let result { locked.append(result) } }
            return locked
        }
    }

    /// Step 4, after ``deleteBlobs(of:)``: the destruction records of all but the `locked` recordings.
    func recordDestructions(_ records: [RecordingRecord], locked: [RecordingID], actor: String,
                            deferred: inout Set<RecordingID>, reasons: [RecordingID: String] = [:]) async throws -> Int {
        let when = clock()
        let planner = try? retentionPlanner()
        let schedule = planner.map { "\($0.schedule.name) \($0.schedule.version), sha256 \($0.digest)" }
        let method = erasure != nil
            ? "crypto-shred: every key wrap deleted and its erasure-tree leaf erased; every chunk deleted from the blob store"
            : "crypto-shred: every key wrap deleted (this catalog has no erasure tree); every chunk deleted from the blob store"
        deferred.formUnion(locked)
        reached(.sweepAfterBlobs)
        let lockedSet = Set(locked)
        var destruction: [DestructionRecord] = []
        for record in records where !lockedSet.contains(record.id) {
            let digestRoot = (try? RecordingManifest.decode(record.manifest))?.digestRoot ?? ""
            destruction.append(DestructionRecord(
                recording: record.id, patient: record.patient, retentionClass: record.retentionClass, rule: record.retentionRule,
                dueOn: record.dueOn, authorisedBy: record.disposalAuthorisedBy ?? "sweeper", startedAt: record.disposalStartedAt ?? when, destroyedAt: when,
                chunkCount: record.chunkCount, byteCount: record.byteCount, digestRoot: digestRoot,
                asOf: CivilDate(record.disposalStartedAt ?? when), schedule: schedule, method: method,
                reason: reasons[record.id]))
        }
        if !destruction.isEmpty { try await catalog.finishDisposal(destruction, actor: actor) }
        return destruction.count
    }
}
