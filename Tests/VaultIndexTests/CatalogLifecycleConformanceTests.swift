import Foundation
import Testing
import VaultIndex

/// Retention, holds, disposal, requests, fsck and the exclusive lock: the rest of the ``Catalog``
/// contract, checked on every backend.
@Suite("Catalog lifecycle conformance", .timeLimit(.minutes(30)))
struct CatalogLifecycleConformanceTests {
    typealias C = CatalogConformanceTests
    struct Boom: Error {}

    static func commit(_ catalog: any Catalog, _ id: RecordingID, patient: String, dueOn: CivilDate?, disposition: Disposition? = nil,
                       session: String = "s1") async throws {
        try await catalog.beginStaging(C.staging(id, session: session))
        var record = C.live(id, session: session, patient: patient)
        record.dueOn = dueOn
        record.disposition = disposition
        record.retentionRule = "rule-\(patient)"
        let chunks = (0..<3).map { ChunkRecord(index: $0, sealedSize: 60, digest: [UInt8](repeating: UInt8($0), count: 32)) }
        try await catalog.commitRecording(record, chunks: chunks, wraps: [WrapRecord(recording: id, role: "clinician", keyID: "k1", wrapped: [9])],
                                          audit: C.audit)
    }

    /// Ids in ascending order, so that expectations about id order are easy to write.
    static func sortedIDs(_ count: Int) -> [RecordingID] { (0..<count).map { _ in RecordingID.random() }.sorted() }

    /// `fsck --upgrade`'s switch: chunk rows and manifest replaced in one transaction, only while the
    /// manifest is the one the rewrite started from and no hold covers the recording.
    @Test(arguments: CatalogBackend.enabled)
    func chunksAreReplacedWholeOnlyFromTheExpectedManifestAndNeverUnderAHold(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let id = RecordingID.random()
            try await Self.commit(catalog, id, patient: "p1", dueOn: nil)
            let before = try #require(try await catalog.recording(id))
            let old = try await catalog.chunks(of: id, in: 0..<10)
            let rewritten = (0..<2).map { ChunkRecord(index: $0, sealedSize: 90, digest: [UInt8](repeating: UInt8(7 + $0), count: 32)) }
            await #expect(throws: CatalogError.changedConcurrently(what: "recording", id: id.description)) {
                try await catalog.replaceChunks(of: id, expectedManifestTag: [1, 2, 3], manifest: [4], manifestTag: [5], chunks: rewritten, audit: C.audit)
            }
            #expect(try await catalog.chunks(of: id, in: 0..<10) == old, "a refused switch changed the chunk rows")
            try await catalog.replaceChunks(of: id, expectedManifestTag: before.manifestTag, manifest: [4], manifestTag: [5], chunks: rewritten,
                                            audit: C.audit)
            let after = try #require(try await catalog.recording(id))
            #expect(after.manifest == [4] && after.manifestTag == [5])
            #expect(try await catalog.chunks(of: id, in: 0..<10) == rewritten)
            _ = try await catalog.placeHold(HoldRecord(recording: id, reason: "inquiry", caseRef: "c1", placedBy: "ro", placedAt: Date()),
                                            audit: C.audit)
            await #expect(throws: CatalogError.invalidState(recording: id.description, expected: "not held", found: "held")) {
                try await catalog.replaceChunks(of: id, expectedManifestTag: [5], manifest: [6], manifestTag: [7], chunks: old, audit: C.audit)
            }
            #expect(try await catalog.chunks(of: id, in: 0..<10) == rewritten)
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func copiesAreFoundByTheirSourceAndAHoldOnTheSourceHoldsThem(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let ids = Self.sortedIDs(3)
            let (source, copy, other) = (ids[0], ids[1], ids[2])
            try await Self.commit(catalog, source, patient: "p1", dueOn: "2020-01-01")
            try await catalog.beginStaging(C.staging(copy, session: "s1"))
            var record = C.live(copy, session: "s1", patient: "p1")
            record.dueOn = "2020-01-01"
            record.sourceID = source
            try await catalog.commitRecording(record, chunks: [ChunkRecord(index: 0, sealedSize: 60, digest: [UInt8](repeating: 0, count: 32))],
                                              wraps: [], audit: C.audit)
            try await Self.commit(catalog, other, patient: "p1", dueOn: "2020-01-01")
            #expect(try await catalog.recordings(RecordingFilter(source: source)).map(\.id) == [copy])
            #expect(try await catalog.recordings(RecordingFilter(source: other)).isEmpty)
            #expect(try await catalog.recordings(RecordingFilter(dueUndetermined: true)).isEmpty)
            let waiting = RecordingID.random()
            try await Self.commit(catalog, waiting, patient: "p2", dueOn: nil)
            #expect(try await catalog.recordings(RecordingFilter(dueUndetermined: true)).map(\.id) == [waiting])
            _ = try await catalog.placeHold(HoldRecord(recording: source, reason: "inquiry", caseRef: "c1", placedBy: "ro", placedAt: Date()),
                                            audit: C.audit)
            #expect(try await catalog.isHeld(copy), "a held source holds its copy")
            #expect(try await catalog.destroyable(on: "2026-01-01", limit: 10).map(\.id) == [other])
            #expect(try await catalog.beginDisposal([(copy, "sweeper")], at: Date(), actor: "sweeper").isEmpty)
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func dueRecordingsAreQueuedApprovedShreddedAndDestroyedUnlessHeld(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let ids = Self.sortedIDs(4)
            let (destroy, review, later, held) = (ids[0], ids[1], ids[2], ids[3])
            try await Self.commit(catalog, destroy, patient: "p1", dueOn: "2020-01-01")
            try await Self.commit(catalog, review, patient: "p2", dueOn: "2020-01-01", disposition: .review)
            try await Self.commit(catalog, later, patient: "p1", dueOn: "2099-01-01")
            try await Self.commit(catalog, held, patient: "p3", dueOn: "2019-06-01", disposition: .destroy)
            let hold = try await catalog.placeHold(HoldRecord(recording: held, reason: "inquiry", caseRef: "c1", placedBy: "ro", placedAt: Date()),
                                                   audit: C.audit)
            #expect(try await catalog.isHeld(held))
            #expect(try await !catalog.isHeld(destroy))

            #expect(try await catalog.dueSummary(on: "2026-01-01") == [
                DueSummary(retentionClass: "care", disposition: .destroy, count: 2, held: 1),
                DueSummary(retentionClass: "care", disposition: .review, count: 1, held: 0),
            ])
            #expect(try await catalog.destroyable(on: "2026-01-01", limit: 10).map(\.id) == [destroy])
            #expect(try await catalog.queueReviews(on: "2026-01-01", at: Date(), limit: 10) == 1)
            #expect(try await catalog.queueReviews(on: "2026-01-01", at: Date(), limit: 10) == 0)
            #expect(try await catalog.dispositions(status: .pending).map(\.recording) == [review])
            let signature = [UInt8](repeating: 7, count: 96)
            try await catalog.decideDisposition(review, approve: true, extendUntil: nil, reason: "done", by: "ro", at: Date(), signature: signature, audit: C.audit)
            #expect(try await catalog.dispositions(status: .approved).first?.signature == signature)
            try await catalog.reopenDisposition(review, audit: C.audit)
            #expect(try await catalog.dispositions(status: .pending).map(\.recording) == [review])
            #expect(try await catalog.dispositions(status: .pending).first?.signature == nil)
            try await catalog.decideDisposition(review, approve: true, extendUntil: nil, reason: "done", by: "ro", at: Date(), signature: signature, audit: C.audit)
            await #expect {
                try await catalog.decideDisposition(review, approve: true, extendUntil: nil, reason: nil, by: "ro", at: Date(), signature: nil, audit: C.audit)
            } throws: { if case .invalidState? = $0 as? CatalogError { true } else { false } }
            #expect(try await catalog.destroyable(on: "2026-01-01", limit: 10).map(\.id) == [destroy, review])

            let wrapsBefore = Set(try await catalog.wraps(after: nil, limit: 1000).filter { [destroy, review].contains($0.recording) })
            let start = try await catalog.startDisposal([(held, "sweeper"), (destroy, "sweeper"), (review, "ro"), (destroy, "sweeper")],
                                                        at: Date(timeIntervalSince1970: 1_900_000_000), actor: "sweeper")
            let started = start.started
            #expect(started == [destroy, review])
            #expect(!wrapsBefore.isEmpty && Set(start.shreddedWraps) == wrapsBefore, "every wrap deleted is returned, for its erasure leaf")
            #expect(try await catalog.wrapRoles(of: destroy).isEmpty)
            #expect(try await catalog.wrapRoles(of: held) == ["clinician"])
            let disposing = try await catalog.disposing(limit: 10)
            #expect(disposing.map(\.id) == [destroy, review])
            #expect(disposing.map(\.disposalAuthorisedBy) == ["sweeper", "ro"])
            // Keyset pagination, for sweeps that must get past recordings a WORM store still keeps.
            #expect(try await catalog.disposing(after: destroy, limit: 10).map(\.id) == [review])
            #expect(try await catalog.disposing(after: review, limit: 10).isEmpty)
            #expect(try await catalog.disposing(after: nil, limit: 1).map(\.id) == [destroy])
            #expect(disposing[0].disposalStartedAt == Date(timeIntervalSince1970: 1_900_000_000))
            // A hold cannot be placed on a recording that is no longer live, nor on one that does not exist.
            await #expect(throws: CatalogError.invalidState(recording: destroy.description, expected: "live", found: "disposing")) {
                _ = try await catalog.placeHold(HoldRecord(recording: destroy, reason: "r", caseRef: "c", placedBy: "x", placedAt: Date()),
                                                audit: C.audit)
            }
            let unknown = RecordingID.random()
            await #expect(throws: CatalogError.notFound(what: "recording", id: unknown.description)) {
                _ = try await catalog.placeHold(HoldRecord(recording: unknown, reason: "r", caseRef: "c", placedBy: "x", placedAt: Date()),
                                                audit: C.audit)
            }

            let records = disposing.map { r in
                DestructionRecord(recording: r.id, patient: r.patient, retentionClass: r.retentionClass, rule: r.retentionRule, dueOn: r.dueOn,
                                  authorisedBy: r.disposalAuthorisedBy ?? "?", startedAt: r.disposalStartedAt ?? Date(),
                                  destroyedAt: Date(timeIntervalSince1970: 1_900_000_100), chunkCount: r.chunkCount, byteCount: r.byteCount,
                                  digestRoot: "root-\(r.id.compactHex)")
            }
            await #expect(throws: CatalogError.invalidState(recording: destroy.description, expected: "disposing", found: "destroyed")) {
                try await catalog.finishDisposal([records[0], records[0]], actor: "sweeper")
            }
            try await catalog.finishDisposal(records, actor: "sweeper")
            #expect(try await catalog.disposing(limit: 10).isEmpty)
            #expect(try await catalog.recording(destroy)?.state == .destroyed)
            #expect(try await catalog.recording(destroy)?.manifest == [])
            #expect(try await catalog.chunks(of: destroy, in: 0..<10).isEmpty)
            #expect(try await catalog.dispositions(status: nil).isEmpty)
            #expect(try await catalog.destructionRecords(since: nil, limit: 10) == records)
            #expect(try await catalog.knownRecordings(among: ids) == [later, held])
            await #expect { try await catalog.finishDisposal(records, actor: "sweeper") } throws: { if case .invalidState? = $0 as? CatalogError { true } else { false } }

            try await catalog.releaseHold(hold, by: "ro", at: Date(timeIntervalSince1970: 1_900_000_200), audit: C.audit)
            await #expect(throws: CatalogError.notFound(what: "active hold", id: String(hold))) {
                try await catalog.releaseHold(hold, by: "ro", at: Date(), audit: C.audit)
            }
            #expect(try await catalog.holds(includeReleased: false).isEmpty)
            #expect(try await catalog.holds(includeReleased: true).map(\.releasedBy) == ["ro"])
            #expect(try await catalog.destroyable(on: "2026-01-01", limit: 10).map(\.id) == [held])

            let entries = try await catalog.auditEntries(after: 0, limit: 1000)
            #expect(chainBreak(entries) == nil)
            #expect(entries.filter { $0.draft.action == "destroy.shred" }.map(\.draft.target) == [destroy.description, review.description])
            #expect(entries.filter { $0.draft.action == "destroy" }.count == 2)
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func aPatientHoldCoversTheirRecordingsAndExtensionsMoveTheDueDate(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let ids = Self.sortedIDs(2)
            try await Self.commit(catalog, ids[0], patient: "p1", dueOn: "2020-01-01", disposition: .review)
            try await Self.commit(catalog, ids[1], patient: "p2", dueOn: "2020-01-01")
            _ = try await catalog.placeHold(HoldRecord(patient: "p2", reason: "complaint", caseRef: "c2", placedBy: "ro", placedAt: Date()),
                                            audit: C.audit)
            #expect(try await catalog.isHeld(ids[1]))
            #expect(try await catalog.destroyable(on: "2026-01-01", limit: 10).isEmpty)
            #expect(try await catalog.beginDisposal([(ids[1], "sweeper")], at: Date(), actor: "sweeper").isEmpty)
            #expect(try await catalog.queueReviews(on: "2026-01-01", at: Date(), limit: 10) == 1)
            try await catalog.decideDisposition(ids[0], approve: false, extendUntil: "2030-01-01", reason: "ongoing", by: "ro", at: Date(), signature: nil,
                                                audit: C.audit)
            #expect(try await catalog.recording(ids[0])?.dueOn == "2030-01-01")
            #expect(try await catalog.dispositions(status: nil).isEmpty)
            // A recomputed due date replaces a pending review.
            #expect(try await catalog.queueReviews(on: "2031-01-01", at: Date(), limit: 10) == 1)
            try await catalog.updateDueDates([DueDateUpdate(recording: ids[0], dueOn: "2040-01-01", disposition: .destroy, rule: "r2")],
                                             patient: PatientRecord(pseudonym: "p1", identifierSealed: [1], discharged: "2025-01-01"),
                                             audit: C.audit)
            #expect(try await catalog.dispositions(status: .pending).isEmpty)
            #expect(try await catalog.patient("p1")?.discharged == "2025-01-01")
            let row = try #require(try await catalog.recording(ids[0]))
            #expect(row.dueOn == "2040-01-01" && row.disposition == .destroy && row.retentionRule == "r2")
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func withdrawingConsentRevokesWrapsOfTheSessionOnce(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            try await catalog.upsertPatient(PatientRecord(pseudonym: "p1", identifierSealed: [1]))
            try await catalog.recordConsents([
                ConsentRecord(session: "s1", patient: "p1", scope: "care", evidenceSealed: [5], givenOn: "2026-01-01", recordedAt: Date()),
                ConsentRecord(session: "s1", patient: "p1", scope: "training", evidenceSealed: nil, givenOn: "2026-01-01", recordedAt: Date(),
                              otherParticipants: true),
            ], audit: C.audit)
            let id = RecordingID.random()
            try await C.commit(catalog, id, session: "s1", patient: "p1", roles: ["clinician", "trainer"])
            let removed = try await catalog.withdrawConsent(session: "s1", scope: "training", withdrawnOn: "2026-02-01", recordedAt: Date(),
                                                            revokeRoles: ["trainer"], dueUpdates: [], seal: nil, audit: C.audit)
            #expect(removed.map(\.role) == ["trainer"] && removed.first?.recording == id && removed.first?.wrapped == [9],
                    "the deleted wraps are returned, so their erasure leaves can go")
            #expect(try await catalog.wrapRoles(of: id) == ["clinician"])
            await #expect(throws: CatalogError.notFound(what: "active consent scope 'training' of session", id: "s1")) {
                _ = try await catalog.withdrawConsent(session: "s1", scope: "training", withdrawnOn: "2026-02-01", recordedAt: Date(),
                                                      revokeRoles: ["trainer"], dueUpdates: [], seal: nil, audit: C.audit)
            }
            let consents = try await catalog.consents(session: "s1")
            #expect(consents.map(\.scope) == ["care", "training"])
            #expect(consents.map(\.withdrawnOn) == [nil, "2026-02-01"])
            #expect(consents.map(\.otherParticipants) == [false, true])
            #expect(consents[0].evidenceSealed == [5] && consents[1].evidenceSealed == nil)
            let last = try #require(try await catalog.auditHead())
            #expect(last.draft.detail == "1 wraps revoked")
        }
    }

    static func close(_ catalog: any Catalog, _ id: Int64, on day: CivilDate) async throws {
        var record = try #require(try await catalog.request(id))
        record.closedOn = day
        try await catalog.recordRequestEvent(RequestEvent(request: id, kind: .close, on: day, dueOn: record.dueOn, actor: "t", recordedAt: Date()),
                                             updating: record, audit: AuditDraft(actor: "t", recordedAction: "request.close", target: "request:\(id)"))
    }

    @Test(arguments: CatalogBackend.enabled)
    func requestChangesKeepTheirHistoryAndAreWrittenOnlyOnTheRevisionTheyWereComputedFrom(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let at = Date(timeIntervalSince1970: 1_780_000_000)
            let extend = RequestEvent(request: 0, kind: .extend, on: "2026-03-02", reason: "registered extended", dueOn: "2026-06-02", actor: "ro",
                                      recordedAt: at)
            let id = try await catalog.addRequest(RequestRecord(kind: .sar, receivedOn: "2026-03-02", dueOn: "2026-06-02", extendedOn: "2026-03-02",
                                                                revision: 1),
                                                  events: [extend], audit: AuditDraft(actor: "ro", recordedAction: "request.add"))
            #expect(try await catalog.request(id + 1) == nil)
            let registered = try #require(try await catalog.request(id))
            #expect(registered.extendedOn == "2026-03-02" && registered.revision == 1 && registered.pausedOn == nil)
            var extendHere = extend
            extendHere.request = id
            #expect(try await catalog.requestEvents(id).map { var e = $0; e.id = nil; return e } == [extendHere])

            var paused = registered
            paused.pausedOn = "2026-03-05"
            paused.pauseReason = "clarification"
            let pause = RequestEvent(request: id, kind: .pause, on: "2026-03-05", reason: "clarification", dueOn: "2026-06-02", actor: "ro",
                                     recordedAt: at + 60)
            try await catalog.recordRequestEvent(pause, updating: paused, audit: AuditDraft(actor: "ro", recordedAction: "request.pause", target: "request:\(id)"))
            let stored = try #require(try await catalog.request(id))
            #expect(stored.pausedOn == "2026-03-05" && stored.pauseReason == "clarification" && stored.revision == 2)
            let events = try await catalog.requestEvents(id)
            #expect(events.map(\.kind) == [.extend, .pause])
            #expect(events[1].on == "2026-03-05" && events[1].reason == "clarification" && events[1].actor == "ro" && events[1].recordedAt == at + 60)
            #expect(events[0].id! < events[1].id!)

            // Computed from revision 1, written after revision 2: refused, nothing written.
            var stale = registered
            stale.dueOn = "2026-07-01"
            let head = try await catalog.auditHead()
            await #expect(throws: CatalogError.changedConcurrently(what: "request", id: String(id))) {
                try await catalog.recordRequestEvent(RequestEvent(request: id, kind: .resume, on: "2026-03-09", dueOn: "2026-07-01", actor: "ro",
                                                                  recordedAt: at + 120),
                                                     updating: stale, audit: AuditDraft(actor: "ro", recordedAction: "request.resume", target: "request:\(id)"))
            }
            #expect(try await catalog.requestEvents(id).count == 2)
            #expect(try await catalog.request(id) == stored)
            #expect(try await catalog.auditHead() == head)

            var resumed = stored
            resumed.pausedOn = nil
            resumed.pauseReason = nil
            resumed.dueOn = "2026-06-06"
            try await catalog.recordRequestEvent(RequestEvent(request: id, kind: .resume, on: "2026-03-08", reason: "clarification", dueOn: "2026-06-06",
                                                              actor: "ro", recordedAt: at + 180),
                                                 updating: resumed, audit: AuditDraft(actor: "ro", recordedAction: "request.resume", target: "request:\(id)"))
            let after = try #require(try await catalog.request(id))
            #expect(after.pausedOn == nil && after.pauseReason == nil && after.dueOn == "2026-06-06" && after.revision == 3)
            try await Self.close(catalog, id, on: "2026-04-01")
            #expect(try await catalog.request(id)?.closedOn == "2026-04-01")
            #expect(try await catalog.requests(openOnly: true).isEmpty)
            #expect(try await catalog.requestEvents(id).map(\.kind) == [.extend, .pause, .resume, .close])
            #expect(try await catalog.auditEntries(matching: AuditFilter(targets: ["request:\(id)"])).map(\.draft.action)
                    == ["request.add", "request.pause", "request.resume", "request.close"])
            await #expect(throws: CatalogError.notFound(what: "open request", id: String(id))) {
                try await catalog.recordRequestEvent(RequestEvent(request: id, kind: .extend, on: "2026-04-02", dueOn: "2026-06-06", actor: "ro",
                                                                  recordedAt: at), updating: after, audit: C.audit)
            }
            await #expect(throws: CatalogError.notFound(what: "open request", id: String(id + 1))) {
                try await catalog.recordRequestEvent(RequestEvent(request: id + 1, kind: .close, on: "2026-04-02", dueOn: "2026-06-06", actor: "ro",
                                                                  recordedAt: at), updating: RequestRecord(id: id + 1, kind: .sar, receivedOn: "2026-03-02",
                                                                                                           dueOn: "2026-06-06"), audit: C.audit)
            }
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func requestsCheckpointsAndConsistencyRepairs(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let first = try await catalog.addRequest(RequestRecord(kind: .sar, receivedOn: "2026-03-02", dueOn: "2026-04-02", reference: "r1"),
                                                     audit: AuditDraft(actor: "t", recordedAction: "request.add"))
            let second = try await catalog.addRequest(RequestRecord(kind: .foi, receivedOn: "2026-03-05", dueOn: "2026-04-01"), audit: C.audit)
            #expect(second == first + 1)
            #expect(try await catalog.requests(openOnly: true).map(\.id) == [second, first])
            try await Self.close(catalog, second, on: "2026-03-20")
            await #expect(throws: CatalogError.notFound(what: "open request", id: String(second))) {
                try await Self.close(catalog, second, on: "2026-03-21")
            }
            #expect(try await catalog.requests(openOnly: true).map(\.id) == [first])
            // Counted in the month they were recorded (the catalog's clock: this month), not the month received.
            let counts = try await catalog.monthlyCounts(.requests, from: "2000-01-01", to: "2099-12-31")
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM"
            formatter.timeZone = TimeZone(identifier: "UTC")
            #expect(counts.map(\.category) == ["foi", "sar"] && counts.allSatisfy { $0.count == 1 }, "\(counts)")
            #expect(counts.allSatisfy { $0.month == formatter.string(from: Date()) && $0.month != "2026-03" }, "\(counts)")
            #expect(try await catalog.auditEntries(matching: AuditFilter(targets: ["request:\(first)"])).map(\.draft.action) == ["request.add"])

            let head = try #require(try await catalog.auditHead())
            let checkpoint = AuditCheckpoint(sequence: head.sequence, headHash: head.hash, timeMillis: 5, publicKey: [1], signature: [2], reason: "manual")
            try await catalog.addCheckpoint(checkpoint)
            var replaced = checkpoint
            replaced.reason = "export"
            try await catalog.addCheckpoint(replaced)
            #expect(try await catalog.checkpoints() == [replaced])

            // A live recording without any wrap (nobody could read it) is what fsck reports.
            let ids = Self.sortedIDs(2)
            try await Self.commit(catalog, ids[0], patient: "p1", dueOn: "2020-01-01")
            try await catalog.beginStaging(C.staging(ids[1]))
            try await catalog.commitRecording(C.live(ids[1]), chunks: [], wraps: [], audit: C.audit)
            #expect(try await catalog.liveRecordingsWithoutWraps(limit: 10) == [ids[1]])
            #expect(try await catalog.wrapsOfRecordingsNotLive(limit: 10).isEmpty)
            #expect(try await catalog.deleteWrapsOfRecordingsNotLive(audit: C.audit) == 0)
            let facts = MediaFacts(container: "ogg", durationSeconds: 2.5, audioCodec: "Opus", audioChannels: 1, audioSampleRate: 48_000)
            try await catalog.setMediaFacts(ids[0], facts)
            #expect(try await catalog.recording(ids[0])?.mediaFacts == facts)
            let unknown = RecordingID.random()
            await #expect(throws: CatalogError.notFound(what: "live recording", id: unknown.description)) {
                try await catalog.setMediaFacts(unknown, MediaFacts(container: "webm"))
            }
            try await catalog.setMeta("vault_id", "v1")
            try await catalog.setMeta("vault_id", "v2")
            #expect(try await catalog.meta("vault_id") == "v2")
            #expect(try await catalog.meta("missing") == nil)
            #expect(chainBreak(try await catalog.auditEntries(after: 0, limit: 1000)) == nil)
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func theExclusiveLockHasOneHolderAcrossInstancesAndIsReleasedAfterwards(_ backend: CatalogBackend) async throws {
        try await backend.withCatalogs(2) { catalogs in
            let (a, b) = (catalogs[0], catalogs[1])
            let result = try await a.withExclusiveLock("sweep") { () async throws -> Int in
                #expect(try await b.withExclusiveLock("sweep") { 1 } == nil)
                #expect(try await a.withExclusiveLock("sweep") { 1 } == nil, "not re-entrant")
                #expect(try await b.withExclusiveLock("export") { 2 } == 2, "other names are independent")
                return 7
            }
            #expect(result == 7)
            #expect(try await b.withExclusiveLock("sweep") { 3 } == 3)
            await #expect(throws: Boom.self) { _ = try await a.withExclusiveLock("sweep") { () async throws -> Int in throw Boom() } }
            #expect(try await b.withExclusiveLock("sweep") { 4 } == 4, "released after the body threw")
            await #expect { _ = try await a.withExclusiveLock("../sweep") { 0 } } throws: { if case .backend? = $0 as? CatalogError { true } else { false } }
            await #expect { _ = try await a.withExclusiveLock("") { 0 } } throws: { if case .backend? = $0 as? CatalogError { true } else { false } }
        }
    }
}
