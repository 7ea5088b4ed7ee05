import Foundation
import Testing
import VaultIndex

/// The same calls, with the same clock, give the same answers on every backend: records, orders,
/// counts, errors and the audit chain down to each hash (so `verifyAudit` and checkpoints behave
/// the same whichever catalog a vault uses).
@Suite("Catalog backends agree", .timeLimit(.minutes(30)))
struct CrossBackendTests {
    static func id(_ n: UInt8) -> RecordingID { try! RecordingID(bytes: [UInt8](repeating: n, count: 16)) }

    static let at = Date(timeIntervalSince1970: 1_790_000_000)

    /// Calls nearly every method and writes down every answer.
    static func transcript(_ catalog: any Catalog) async throws -> [String] {
        var t: [String] = []
        func note(_ label: String, _ value: some Any) { t.append("\(label): \(value)") }
        func attempt(_ label: String, _ body: () async throws -> Void) async {
            do { try await body(); t.append("\(label): ok") } catch { t.append("\(label): \(error)") }
        }
        let audit = AuditDraft(actor: "cli:ann", role: "records-officer", recordedAction: "x", target: nil, purpose: "care", detail: "d")
        try await catalog.setMeta("vault_id", "v1")
        note("meta", try await catalog.meta("vault_id") as Any)
        try await catalog.addRole(RoleRecord(name: "clinician", publicKey: [1, 2], keyID: "k1", createdAt: at), audit: audit)
        try await catalog.addRole(RoleRecord(name: "Supervisor", publicKey: [3], keyID: "k1", createdAt: at), audit: audit)
        await attempt("role again") { try await catalog.addRole(RoleRecord(name: "clinician", publicKey: [], keyID: "k", createdAt: at), audit: audit) }
        note("roles", try await catalog.roles())
        for (n, patient) in ["p-b", "p-a", "P-c"].enumerated() {
            try await catalog.upsertPatient(PatientRecord(pseudonym: patient, identifierSealed: [UInt8(n)], lastContact: CivilDate("2020-0\(n + 1)-01")!))
        }
        note("patient", try await catalog.patient("p-a") as Any)
        try await catalog.recordConsents([
            ConsentRecord(session: "s1", patient: "p-a", scope: "care", evidenceSealed: [7], givenOn: "2020-01-05", recordedAt: at),
            ConsentRecord(session: "s1", patient: "p-a", scope: "training", evidenceSealed: nil, givenOn: "2020-01-05", recordedAt: at,
                          otherParticipants: true),
        ], audit: audit)
        await attempt("consent twice") {
            try await catalog.recordConsents([ConsentRecord(session: "s1", patient: "p-a", scope: "care", evidenceSealed: nil, givenOn: "2020-01-06",
                                                            recordedAt: at)], audit: audit)
        }
        await attempt("consent other patient") {
            try await catalog.recordConsents([ConsentRecord(session: "s1", patient: "p-b", scope: "x", evidenceSealed: nil, givenOn: "2020-01-06",
                                                            recordedAt: at)], audit: audit)
        }
        let patients = ["p-a", "p-b", "P-c", "p-a", "p-b", "p-a"]
        let dues: [CivilDate?] = ["2021-01-01", "2021-01-01", "2020-06-01", nil, "2030-01-01", "2020-06-01"]
        let dispositions: [Disposition?] = [nil, .review, .destroy, nil, .review, .review]
        for n in 1...6 {
            let id = id(UInt8(n * 17))
            try await catalog.beginStaging(StagingRecord(id: id, session: "s\(n % 2 + 1)", clinician: n % 2 == 0 ? "dr-B" : "dr-a",
                                                         retentionClass: n < 4 ? "adult" : "Child", startedAt: at + Double(n), processID: Int32(n), host: "h"))
        }
        note("staging", try await catalog.stagingRecords())
        for n in 1...5 {
            let id = id(UInt8(n * 17))
            let record = RecordingRecord(id: id, state: .live, session: "s\(n % 2 + 1)", patient: patients[n - 1], clinician: n % 2 == 0 ? "dr-B" : "dr-a",
                                         retentionClass: n < 4 ? "adult" : "Child", mediaType: "audio/ogg", byteCount: Int64(n * 1000),
                                         chunkSize: 65536, chunkCount: 2, algorithm: .aes256gcm, manifest: [UInt8(n), 0, 255], manifestTag: [9, 9],
                                         createdAt: at + Double(86_400 * 40 * n), capturedOn: CivilDate("2020-0\(n)-02")!, dueOn: dues[n - 1],
                                         disposition: dispositions[n - 1], retentionRule: "rule \(n)", sourceID: n == 5 ? Self.id(17) : nil)
            try await catalog.commitRecording(record, chunks: [ChunkRecord(index: 0, sealedSize: 10, digest: [1]), ChunkRecord(index: 1, sealedSize: 5, digest: [2])],
                                              wraps: [WrapRecord(recording: id, role: "clinician", keyID: "k1", wrapped: [UInt8(n)]),
                                                      WrapRecord(recording: id, role: "Supervisor", keyID: n % 2 == 0 ? "k0" : "k1", wrapped: [0])],
                                              audit: AuditDraft(actor: "dr", recordedAction: "ingest", target: id.description))
        }
        await attempt("commit twice") { try await catalog.commitRecording(RecordingRecord(
            id: id(17), state: .live, session: "s", patient: "p", clinician: "c", retentionClass: "adult", mediaType: "", byteCount: 0,
            chunkSize: 0, chunkCount: 0, algorithm: .xchacha20poly1305, manifest: [], manifestTag: [], createdAt: at, capturedOn: "2020-01-01"), chunks: [], wraps: [], audit: audit) }
        try await catalog.discardStaging(id(102), audit: audit)
        await attempt("discard live") { try await catalog.discardStaging(id(17), audit: audit) }
        note("all", try await catalog.recordings(RecordingFilter(states: Set(RecordingState.allCases))))
        note("by patient", try await catalog.recordings(RecordingFilter(patient: "p-a")).map(\.id))
        note("by class", try await catalog.recordings(RecordingFilter(retentionClass: "Child")).map(\.id))
        note("since", try await catalog.recordings(RecordingFilter(since: at + 86_400 * 100)).map(\.id))
        note("paged", try await catalog.recordings(RecordingFilter(limit: 2, after: id(34))).map(\.id))
        note("chunks", try await catalog.chunks(of: id(34), in: 0..<5))
        note("wrap", try await catalog.wrap(of: id(51), role: "Supervisor") as Any)
        note("wrap roles", try await catalog.wrapRoles(of: id(51)))
        note("known", try await catalog.knownRecordings(among: [id(17), id(102), id(200)]).sorted())
        try await catalog.setRoleKey("Supervisor", publicKey: [4], keyID: "k2", audit: audit)
        note("to rotate", try await catalog.wrapsToRotate(role: "Supervisor", notKeyID: "k2", limit: 100).sorted { $0.recording < $1.recording })
        note("key ids", try await catalog.keyIDsInUse(role: "Supervisor").sorted())
        note("replaced", try await catalog.replaceWraps([WrapRecord(recording: id(17), role: "Supervisor", keyID: "k2", wrapped: [42]),
                                                         WrapRecord(recording: id(200), role: "Supervisor", keyID: "k2", wrapped: [42])]))
        note("withdrawn", try await catalog.withdrawConsent(session: "s1", scope: "training", withdrawnOn: "2020-02-01", recordedAt: at + 5,
                                                            revokeRoles: ["Supervisor"], dueUpdates: [DueDateUpdate(recording: id(85), dueOn: "2020-07-01",
                                                            disposition: .destroy, rule: "withdrawn")], seal: nil, audit: audit)
            .map { "\($0.recording) \($0.role)" }.sorted())
        note("consents", try await catalog.consents(session: "s1"))
        try await catalog.updateDueDates([DueDateUpdate(recording: id(68), dueOn: "2020-08-01", disposition: nil, rule: "r")],
                                         patient: PatientRecord(pseudonym: "p-a", identifierSealed: [0], died: "2020-03-03"), audit: audit)
        let hold = try await catalog.placeHold(HoldRecord(patient: "P-c", reason: "complaint", caseRef: "C-1", placedBy: "ro", placedAt: at), audit: audit)
        _ = try await catalog.placeHold(HoldRecord(recording: id(85), reason: "inquiry", caseRef: "C-2", placedBy: "ro", placedAt: at), audit: audit)
        note("holds", try await catalog.holds(includeReleased: true))
        note("held", [try await catalog.isHeld(id(51)), try await catalog.isHeld(id(17))])
        note("due summary", try await catalog.dueSummary(on: "2025-01-01"))
        note("destroyable", try await catalog.destroyable(on: "2025-01-01", limit: 100).map(\.id).sorted())
        note("queued", try await catalog.queueReviews(on: "2025-01-01", at: at + 9, limit: 100))
        note("pending", try await catalog.dispositions(status: .pending))
        try await catalog.decideDisposition(id(34), approve: true, extendUntil: nil, reason: "ok", by: "ro", at: at + 10, signature: nil, audit: audit)
        await attempt("decide again") {
            try await catalog.decideDisposition(id(34), approve: false, extendUntil: "2040-01-01", reason: nil, by: "ro", at: at, signature: nil, audit: audit)
        }
        try await catalog.releaseHold(hold, by: "ro", at: at + 11, audit: audit)
        let started = try await catalog.beginDisposal([(id(51), "sweeper"), (id(34), "ro"), (id(85), "sweeper"), (id(17), "sweeper")],
                                                      at: at + 12, actor: "sweeper")
        note("started", started)
        let disposing = try await catalog.disposing(limit: 10)
        note("disposing", disposing)
        try await catalog.finishDisposal(disposing.map { r in
            DestructionRecord(recording: r.id, patient: r.patient, retentionClass: r.retentionClass, rule: r.retentionRule, dueOn: r.dueOn,
                              authorisedBy: r.disposalAuthorisedBy ?? "", startedAt: r.disposalStartedAt ?? at, destroyedAt: at + 86_400 * 31,
                              chunkCount: r.chunkCount, byteCount: r.byteCount, digestRoot: "ab")
        }, actor: "sweeper")
        note("destructions", try await catalog.destructionRecords(since: at, limit: 10))
        note("dispositions", try await catalog.dispositions(status: nil))
        note("without wraps", try await catalog.liveRecordingsWithoutWraps(limit: 10))
        note("wraps not live", try await catalog.wrapsOfRecordingsNotLive(limit: 10))
        note("repair", try await catalog.deleteWrapsOfRecordingsNotLive(audit: audit))
        try await catalog.setMediaFacts(id(68), MediaFacts(container: "webm", durationSeconds: 1.5))
        let request = try await catalog.addRequest(RequestRecord(kind: .foi, receivedOn: "2020-05-05", dueOn: "2020-06-02", reference: "F1"), audit: audit)
        _ = try await catalog.addRequest(RequestRecord(kind: .sar, receivedOn: "2020-05-06", dueOn: "2020-06-01"), audit: audit)
        var paused = try #require(try await catalog.request(request))
        paused.pausedOn = "2020-05-07"
        paused.pauseReason = "fee"
        try await catalog.recordRequestEvent(RequestEvent(request: request, kind: .pause, on: "2020-05-07", reason: "fee", dueOn: "2020-06-02",
                                                          actor: "ro", recordedAt: at), updating: paused, audit: audit)
        var closed = try #require(try await catalog.request(request))
        closed.closedOn = "2020-05-20"
        try await catalog.recordRequestEvent(RequestEvent(request: request, kind: .close, on: "2020-05-20", reason: "fee", dueOn: "2020-06-02",
                                                          actor: "ro", recordedAt: at + 1), updating: closed, audit: audit)
        note("requests", try await catalog.requests(openOnly: false))
        note("request events", try await catalog.requestEvents(request))
        try await catalog.appendAudit(AuditDraft(actor: "u", role: "clinician", recordedAction: "get", target: id(68).description, outcome: "ok"))
        try await catalog.appendAudit(AuditDraft(actor: "u", role: nil, recordedAction: "get", target: id(68).description, outcome: "refused"))
        for measure in AggregateMeasure.allCases {
            note("counts \(measure)", try await catalog.monthlyCounts(measure, from: "2020-01-01", to: "2030-12-31"))
        }
        try await catalog.addUser(UserRecord(name: "Zed", role: "clinician", tokenHash: [UInt8](repeating: 1, count: 32), patients: ["p-b", "P-c"],
                                             createdAt: at), audit: audit)
        try await catalog.addUser(UserRecord(name: "amy", role: "clinician", tokenHash: [UInt8](repeating: 2, count: 32), patients: [], createdAt: at),
                                  audit: audit)
        try await catalog.revokeUser("amy", at: at + 1, audit: audit)
        note("users", try await catalog.users())
        note("user by hash", try await catalog.user(tokenHash: [UInt8](repeating: 1, count: 32)) as Any)
        let head = try #require(try await catalog.auditHead())
        try await catalog.addCheckpoint(AuditCheckpoint(sequence: head.sequence, headHash: head.hash, timeMillis: 1, publicKey: [1], signature: [2],
                                                        reason: "manual"))
        note("checkpoints", try await catalog.checkpoints())
        note("audit by target", try await catalog.auditEntries(matching: AuditFilter(targets: [id(68).description, "request:\(request)"])))
        note("audit by actor", try await catalog.auditEntries(matching: AuditFilter(actor: "sweeper", since: at, limit: 3)).map(\.sequence))
        let entries = try await catalog.auditEntries(after: 0, limit: 1000)
        note("chain", chainBreak(entries) ?? "intact")
        for entry in entries { note("audit", entry) }
        return t
    }

    @Test(.enabled(if: CatalogBackend.enabled.count > 1, "needs a second backend (SESSIONVAULT_TEST_POSTGRES_URL)"))
    func everyBackendGivesTheSameAnswersAndTheSameAuditHashes() async throws {
        var transcripts: [CatalogBackend: [String]] = [:]
        for backend in CatalogBackend.enabled {
            let clock = SteppingClock()
            try await backend.withCatalog(clock: { clock.now() }) { catalog in
                clock.reset()  // migrations read the clock too, and the backends may have different numbers of them
                transcripts[backend] = try await Self.transcript(catalog)
            }
        }
        let reference = try #require(transcripts[.sqlite])
        #expect(reference.contains("chain: intact"))
        #expect(reference.filter { $0.hasPrefix("audit: ") }.count >= 30)
        for (backend, transcript) in transcripts where backend != .sqlite {
            #expect(transcript.count == reference.count, "\(backend)")
            for (line, (expected, actual)) in zip(reference, transcript).enumerated() where expected != actual {
                Issue.record("\(backend) differs from sqlite at line \(line):\n  sqlite:   \(expected)\n  \(backend): \(actual)")
            }
        }
    }
}
