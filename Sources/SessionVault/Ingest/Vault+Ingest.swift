import Foundation
public import Media
import VaultCrypto
public import VaultIndex
public import Retention
import VaultStore

/// What to ingest and on whose behalf.
public struct IngestRequest: Sendable {
    public var session: String
    public var clinician: String
    public var retentionClass: String
    /// Plaintext bytes per chunk; the vault's configured size if nil.
    public var chunkSize: Int?
    /// The recording this one is derived from (a review copy), if any.
    public var source: RecordingID?
    /// The day the session was recorded; today (by the vault's clock) if nil. Retention periods
    /// counted from capture start here, so a recording uploaded days later is not kept days longer.
    public var capturedOn: CivilDate?
    public var actor: String
    /// The chunk format to write: always ``ChunkFormat/current``, except in tests that need a
    /// recording as an earlier version wrote it.
    var chunkFormat: ChunkFormat = .current
    /// A review copy made during its source's ingest (for the crash points of that path).
    var madeAtIngest = false
    /// For a class that gets its review copy at ingest: return at the original's commit and finish
    /// the copy in the background (``Vault/reviewCopyInProgress(of:)``; ``Vault/close()`` waits for
    /// it), instead of returning once the copy is stored too. The service answers uploads so. When
    /// as many copies as the process has cores are already being made so, the ingest waits for its
    /// copy as if this were false.
    public var reviewCopyInBackground = false

    public init(session: String, clinician: String, retentionClass: String, chunkSize: Int? = nil, source: RecordingID? = nil,
                capturedOn: CivilDate? = nil, actor: String) {
        self.capturedOn = capturedOn
        self.session = session
        self.clinician = clinician
        self.retentionClass = retentionClass
        self.chunkSize = chunkSize
        self.source = source
        self.actor = actor
    }
}

/// The outcome of an ingest (printed by `sessionvault ingest --json`).
public struct IngestSummary: Sendable, Codable {
    public var id: RecordingID
    public var session: String
    public var clinician: String
    public var retentionClass: String
    public var byteCount: Int64
    public var chunkCount: Int
    public var chunkSize: Int
    public var algorithm: String
    public var mediaType: String
    public var wrappedFor: [String]
    public var consentedScopes: [String]
    public var dueOn: CivilDate?
    /// The capture date retention counts from.
    public var capturedOn: CivilDate
    /// Where the capture date came from.
    public var capturedFrom: CaptureSource
    /// Duration, codecs and resolution, when the stream is WebM/Matroska or Ogg.
    public var mediaFacts: MediaFacts?
    /// Seconds from the start until the recording was committed.
    public var seconds: Double
    /// The review copy made on the way in, for a class named in `[review] at_ingest`; nil otherwise.
    public var reviewCopy: ReviewAtIngestOutcome?
}

extension Vault {
    /// `decision` for a copy of `source`: due no later than the source (the sweep also destroys
    /// copies with their source, whatever their own date).
    static func notOutliving(_ decision: RetentionPlanner.Outcome, source: RecordingRecord) -> RetentionPlanner.Outcome {
        guard let sourceDue = source.dueOn else { return decision }
        var clamped = decision
        if let own = decision.dueOn, own <= sourceDue { return decision }
        clamped.dueOn = sourceDue
        clamped.disposition = .destroy
        clamped.rule = "with its source \(source.id) (due \(sourceDue))"
        return clamped
    }

    /// The capture date of a new recording: the one given, which may not be after today; else the
    /// media's own creation time (WebM/Matroska DateUTC) when it names a plausible day (from 2000 to
    /// today: a recorder whose clock is ahead is not believed); else today, the upload day.
    func captureDate(_ given: CivilDate?, mediaUnixSeconds: Int64? = nil) throws -> (date: CivilDate, source: CaptureSource) {
        let today = CivilDate(clock())
        if let given {
            guard given <= today else { throw VaultError.invalidCaptureDate(given.description, reason: "it is after today (\(today))") }
            return (given, .given)
        }
        if let seconds = mediaUnixSeconds {
            let made = CivilDate(Date(timeIntervalSince1970: TimeInterval(seconds)))
            if made <= today, made >= CaptureDate.earliestPlausible { return (made, .media) }
        }
        return (today, .uploadDay)
    }

    /// Streams a recording into the vault: chunk → seal (in parallel, bounded window) → blob
    /// (durable) → one catalog transaction. Memory is bounded by the window, whatever the size.
    ///
    /// Nothing is visible before the final commit. A crash leaves a staging row and orphan blobs
    /// that `gc` removes; a failure removes them at once.
    public func ingest(_ request: IngestRequest, from reader: inout some ChunkReader,
                       progress: (@Sendable (Int64) -> Void)? = nil) async throws(VaultError) -> IngestSummary {
        try await vaultBoundary {
            let started = Date()
            try Self.validateSession(request.session)
            try Self.validateName(request.clinician, what: "clinician")
            let chunkSize = request.chunkSize ?? config.chunkSize
            guard VaultConfig.chunkSizeRange.contains(chunkSize) else {
                throw VaultError.invalidArgument("chunk size \(chunkSize) must be between 64KiB and 64MiB")
            }
            let retention = try retentionPlanner()
            try retention.requireClass(request.retentionClass, derived: request.source != nil)
            if let given = request.capturedOn { _ = try captureDate(given) }  // a bad date is refused before anything is written

            var gate = try await consentGate(request, retention: retention)
            let patient = gate.patient
            // A derived copy belongs to a live source of the same session, and never outlives it.
            var sourceRecord: RecordingRecord? = nil
            if let source = request.source {
                let record = try await liveRecording(source)
                guard record.session == request.session else {
                    throw VaultError.invalidArgument("a copy of recording \(source) must be in its session '\(record.session)', not '\(request.session)'")
                }
                sourceRecord = record
            }

            let id = RecordingID.random()
            let dataKey = try DataKey.generate()
            let algorithm = config.algorithm
            let format = request.chunkFormat
            let sealer = try ChunkSealer(key: dataKey, algorithm: algorithm, recordingID: id.bytes, format: format)
            try await catalog.beginStaging(StagingRecord(id: id, session: request.session, clinician: request.clinician,
                                                         retentionClass: request.retentionClass, startedAt: clock(),
                                                         processID: ProcessInfo.processInfo.processIdentifier, host: Self.hostName))
            var written: [BlobKey] = []
            // The review copy of a class that wants one is transcoded from the same plaintext as it passes.
            let review = makesReviewAtIngest(request)
                ? ReviewAtIngestRun.start(chunkSize: chunkSize, inBackground: request.reviewCopyInBackground) : nil
            do {
                // WORM stores lock each chunk until the earliest day the recording could lawfully be
                // destroyed. (Chunks of an ingest that then fails stay locked until that day: they are
                // unreadable, since the data key was never stored, and gc removes them once unlocked.)
                // A recording captured long ago may already be past that day: then there is nothing to lock.
                // The capture date is decided once the first chunk has been read (a WebM file states when it was
                // made in its first bytes), before any chunk is stored under a lock computed from it.
                let held = try await patientIsHeld(patient)
                var capture: (date: CivilDate, source: CaptureSource)? = nil
                let result = try await writeChunks(id: id, sealer: sealer, chunkSize: chunkSize, reader: &reader, options: { mediaSeconds in
                    let decided = try self.captureDate(request.capturedOn, mediaUnixSeconds: mediaSeconds)
                    capture = decided
                    let earliestDue = try retention.earliestPossibleDueOn(retentionClass: request.retentionClass,
                                                                          capturedOn: decided.date)?.startOfDayUTC
                    return BlobPutOptions(retainUntil: earliestDue.flatMap { $0 > self.clock() ? $0 : nil }, legalHold: held)
                }, tee: review?.tee, progress: progress)
                guard let captured = capture else { preconditionFailure("writeChunks asks for the store options before it stores a chunk") }
                let capturedOn = captured.date
                written = result.keys
                try await store.makeDurable(result.keys)
                if request.madeAtIngest { reached(.reviewAtIngestAfterChunks) }

                let manifest = RecordingManifest(
                    format: Int(format.version), segmentSize: format.segmentSize, recording: id, algorithm: algorithm.rawValue, chunkSize: chunkSize, chunkCount: result.chunks.count,
                    byteCount: result.byteCount, mediaType: result.mediaType, digestRoot: RecordingManifest.digestRoot(result.chunks.map(\.digest)),
                    session: request.session, retentionClass: request.retentionClass, capturedOn: capturedOn.description, source: request.source,
                    patient: patient)
                let manifestBytes = try manifest.encoded()
                let tag = try ManifestAuthenticator(key: dataKey).tag(manifestBytes)
                // The commit checks, in its transaction, that the consent is still what the wraps were made
                // for; a withdrawal (or new scope) during the upload means: recompute and commit again.
                var decision: RetentionPlanner.Outcome
                var attempt = 0
                while true {
                    attempt += 1
                    decision = try await retention.decide(vault: self, retentionClass: request.retentionClass, patient: patient,
                                                          capturedOn: capturedOn, consents: gate.consents)
                    if let source = sourceRecord { decision = Self.notOutliving(decision, source: source) }
                    let wraps = try await makeWraps(dataKey, recording: id, roles: gate.roleKeys.map { ($0.0, $0.1, $0.2) })
                    let row = RecordingRecord(
                        id: id, state: .live, session: request.session, patient: patient, clinician: request.clinician,
                        retentionClass: request.retentionClass, mediaType: result.mediaType, byteCount: result.byteCount, chunkSize: chunkSize,
                        chunkCount: result.chunks.count, algorithm: algorithm, manifest: manifestBytes, manifestTag: tag, createdAt: clock(),
                        capturedOn: capturedOn, dueOn: decision.dueOn, disposition: decision.disposition, retentionRule: decision.rule,
                        sourceID: request.source, mediaFacts: result.mediaFacts)
                    do {
                        try await catalog.commitRecording(row, chunks: result.chunks, wraps: wraps, consentedScopes: gate.scopes,
                                                          audit: AuditDraft(actor: request.actor, action: .ingest, target: id.description,
                                                                            purpose: gate.scopes.joined(separator: ","),
                                                                            detail: "session \(request.session), \(result.byteCount) bytes, \(result.chunks.count) chunks, wrapped for \(gate.roleKeys.map(\.0).joined(separator: ","))"))
                        break
                    } catch {
                        guard case .consentChanged? = error as? CatalogError, attempt < 5 else { throw error }
                        gate = try await consentGate(request, retention: retention)
                    }
                }
                let roleKeys = gate.roleKeys, scopes = gate.scopes
                let committedAfter = Date().timeIntervalSince(started)
                var reviewCopy: ReviewAtIngestOutcome? = nil
                if let review {
                    let vault = self, mediaType = result.mediaType
                    let finish: @Sendable () async -> ReviewAtIngestOutcome = {
                        var outcome = await vault.finishReviewAtIngest(review, original: id, mediaType: mediaType, request: request,
                                                                       capturedOn: capturedOn)
                        outcome.seconds = Date().timeIntervalSince(started)
                        return outcome
                    }
                    // Asked to wait, or every background slot is taken: the copy is finished before returning.
                    reviewCopy = request.reviewCopyInBackground && backgroundReviews.start(id, finish)
                        ? ReviewAtIngestOutcome(pending: true) : await finish()
                }
                return IngestSummary(id: id, session: request.session, clinician: request.clinician, retentionClass: request.retentionClass,
                                     byteCount: result.byteCount, chunkCount: result.chunks.count, chunkSize: chunkSize, algorithm: algorithm.description,
                                     mediaType: result.mediaType, wrappedFor: roleKeys.map(\.0), consentedScopes: scopes, dueOn: decision.dueOn,
                                     capturedOn: capturedOn, capturedFrom: captured.source,
                                     mediaFacts: result.mediaFacts,
                                     seconds: committedAfter, reviewCopy: reviewCopy)
            } catch {
                await review?.cancel()
                // Best effort: remove what this ingest wrote. If this fails too (or the process dies), gc finishes it.
                await discardFailedIngest(id: id, keys: written, actor: request.actor, reason: "\(error)")
                throw error
            }
        }
    }

    /// Who may read a recording of this session, as its consent stands now.
    struct ConsentGate {
        var patient: String
        var consents: [ConsentRecord]
        var scopes: [String]
        var roleKeys: [(String, RolePublicKey, String)]
    }

    /// The consent gate: an active scope must cover the session, and a recording made for a purpose
    /// needs consent to that purpose (training needs training consent); the scopes' roles get wraps.
    func consentGate(_ request: IngestRequest, retention: RetentionPlanner) async throws -> ConsentGate {
        let consents = try await consents(of: request.session).filter(\.isActive)
        guard let patient = consents.first?.patient else { throw VaultError.noConsent(session: request.session) }
        let scopes = Array(Set(consents.map(\.scope))).sorted()
        guard !retention.justifyingScopes(request.retentionClass, among: consents).isEmpty else {
            throw VaultError.noActiveScope(session: request.session, scope: request.retentionClass)
        }
        var roleKeys: [(String, RolePublicKey, String)] = []
        for roleName in config.roles(forScopes: scopes) {
            guard let role = try await catalog.role(named: roleName) else {
                let scope = scopes.first { config.scopes[$0]?.contains(roleName) == true } ?? "always_wrap"
                throw VaultError.scopeRoleMissing(scope: scope, role: roleName)
            }
            roleKeys.append((roleName, try RolePublicKey(bytes: role.publicKey), role.keyID))
        }
        return ConsentGate(patient: patient, consents: consents, scopes: scopes, roleKeys: roleKeys)
    }

    struct WrittenChunks {
        var chunks: [ChunkRecord]
        var keys: [BlobKey]
        var byteCount: Int64
        var mediaType: String
        var mediaFacts: MediaFacts?
    }

    /// The pipeline: one reader (this task) feeds sealing tasks, at most `window` in flight; each
    /// seals in place, hashes and writes its own blob. Results are put back in index order.
    ///
    /// `options` gives the store options for every chunk; it is called once, after the first chunk
    /// has been read and before it is stored, with the creation time the media states (if any).
    func writeChunks(id: RecordingID, sealer: ChunkSealer, chunkSize: Int, reader: inout some ChunkReader,
                     options makeOptions: (_ mediaUnixSeconds: Int64?) throws -> BlobPutOptions,
                     tee: PlaintextTee? = nil, progress: (@Sendable (Int64) -> Void)?) async throws -> WrittenChunks {
        // Chunks in flight (sealing or being stored), plus the one read ahead: window + 1 chunk buffers.
        let window = max(2, ProcessInfo.processInfo.activeProcessorCount + 1)
        let headroom = ChunkSealer.headerSize
        let tailroom = sealer.format.tailroom(plaintextCount: chunkSize)
        let store = self.store
        // The window's buffers go round: read into, sealed in place, stored, recycled.
        let pool = ChunkBufferPool(limit: window + 1)
        return try await withThrowingTaskGroup(of: (ChunkRecord, BlobKey).self) { group in
            var records: [ChunkRecord] = []
            var keys: [BlobKey] = []
            var inFlight = 0
            var index = 0
            var byteCount: Int64 = 0
            var mediaType = "application/octet-stream"
            // Media facts are learnt from the stream as it passes: no second read.
            var probe = MediaProbe()
            var options: BlobPutOptions? = nil
            var current = try await reader.nextChunk(size: chunkSize, headroom: headroom, tailroom: tailroom, pool: pool)
            if current.count > 0 {
                mediaType = MediaSniffer.mediaType(of: current.buffer[headroom..<(headroom + min(current.count, 64))])
            }
            // Only what the review transcoder reads is teed to it.
            if let tee, !Self.reviewTranscoderTakes(mediaType) { await tee.abandon() }
            while true {
                // A free slot first, then the look-ahead: at most window + 1 chunk buffers exist.
                if inFlight >= window, let done = try await group.next() {
                    records.append(done.0)
                    keys.append(done.1)
                    inFlight -= 1
                }
                // A short chunk means the input ended; a full one needs a look-ahead to know.
                var next: PlainChunk? = nil
                if current.count == chunkSize {
                    let peek = try await reader.nextChunk(size: chunkSize, headroom: headroom, tailroom: tailroom, pool: pool)
                    if peek.count > 0 { next = peek }
                }
                let isLast = next == nil
                current.buffer.withUnsafeBytes { raw in
                    probe.consume(UnsafeRawBufferPointer(rebasing: raw[headroom..<(headroom + current.count)]))
                }
                if options == nil { options = try makeOptions(probe.createdUnixSeconds) }
                let putOptions = options!
                byteCount += Int64(current.count)
                progress?(byteCount)
                // Hand the buffer to the task as its only owner: were `current` (or a captured copy)
                // still referencing it, sealing in place would first copy the whole chunk.
                let plainCount = current.count
                // The transcoder's copy is taken before the chunk is sealed in place.
                var teed: [UInt8]? = nil
                if let tee, await tee.isAccepting { teed = Array(current.buffer[headroom..<(headroom + plainCount)]) }
                let handOff = HandOff(current.buffer)
                current.buffer = []
                let chunkIndex = index
                group.addTask {
                    var buffer: [UInt8] = []
                    handOff.take(into: &buffer)
                    let sealedCount = try buffer.withUnsafeMutableBytes { raw in
                        let plaintext = UnsafeRawBufferPointer(rebasing: raw[headroom..<(headroom + plainCount)])
                        return try sealer.seal(plaintext, index: UInt64(chunkIndex), isLast: isLast, into: raw)
                    }
                    if sealedCount < buffer.count { buffer.removeLast(buffer.count - sealedCount) }
                    let digest = ChunkDigest.sha256(buffer)
                    let key = try ChunkLayout.key(of: id, index: chunkIndex)
                    try await store.put(key, buffer, options: putOptions)
                    pool.recycle(consume buffer)
                    return (ChunkRecord(index: chunkIndex, sealedSize: sealedCount, digest: digest), key)
                }
                inFlight += 1
                // Sent once the chunk is sealing: a transcoder that falls behind by the tee's budget holds the
                // reader here (bounded memory), not the sealers already given work.
                if let tee, let teed { await tee.send(teed) }
                guard let next else { break }
                current = next
                index += 1
            }
            await tee?.finish()
            for try await done in group {
                records.append(done.0)
                keys.append(done.1)
            }
            records.sort { $0.index < $1.index }
            return WrittenChunks(chunks: records, keys: keys, byteCount: byteCount, mediaType: mediaType, mediaFacts: probe.facts())
        }
    }

    func discardFailedIngest(id: RecordingID, keys: [BlobKey], actor: String, reason: String) async {
        var toDelete = Set(keys)
        // Blobs written by tasks that had not reported back are found by listing the recording's directory.
        if let listed = try? await store.list(prefix: ChunkLayout.directory(of: id)) { toDelete.formUnion(listed.map(\.key)) }
        for key in toDelete { try? await store.delete(key) }
        try? await catalog.discardStaging(id, audit: AuditDraft(actor: actor, action: .ingest, target: id.description, outcome: "failed",
                                                                 detail: String(reason.prefix(300))))
    }

    static var hostName: String { ProcessInfo.processInfo.hostName }
}
