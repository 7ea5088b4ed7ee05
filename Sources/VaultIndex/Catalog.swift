public import Foundation

/// The vault's index: recordings, chunks, wraps, consent, roles and the audit trail.
///
/// Every method is one transaction: it either happens whole or not at all. Methods that change
/// state take an ``AuditDraft`` and append it to the audit chain in the same transaction, so no
/// change is ever committed without its audit entry. The catalog stores wraps and manifests as
/// opaque bytes and knows no key.
///
/// Backends: ``SQLiteCatalog`` (embedded default) and ``PostgresCatalog`` (several service nodes
/// sharing one database). One conformance suite runs against each.
public protocol Catalog: Sendable {
    /// Applies pending migrations; refuses a schema newer than this program knows.
    func migrate() async throws(CatalogError)
    /// The schema version in force.
    func schemaVersion() async throws(CatalogError) -> Int

    // MARK: Vault metadata
    func meta(_ key: String) async throws(CatalogError) -> String?
    func setMeta(_ key: String, _ value: String) async throws(CatalogError)

    // MARK: Roles
    func addRole(_ role: RoleRecord, audit: AuditDraft) async throws(CatalogError)
    func role(named name: String) async throws(CatalogError) -> RoleRecord?
    func roles() async throws(CatalogError) -> [RoleRecord]
    /// Makes `publicKey`/`keyID` the role's current key; new wraps use it from now on.
    func setRoleKey(_ name: String, publicKey: [UInt8], keyID: String, audit: AuditDraft) async throws(CatalogError)
    /// Up to `limit` wraps of a role whose key id differs from `keyID` (what a rotation still has to re-wrap).
    func wrapsToRotate(role: String, notKeyID keyID: String, limit: Int) async throws(CatalogError) -> [WrapRecord]
    /// Replaces wraps (same recording and role) in one transaction; a wrap whose recording is no
    /// longer live is skipped. Returns how many were replaced.
    func replaceWraps(_ wraps: [WrapRecord]) async throws(CatalogError) -> Int
    /// Every wrap, in (recording, role) order, after `after` (keyset pagination), at most `limit`.
    func wraps(after: (recording: RecordingID, role: String)?, limit: Int) async throws(CatalogError) -> [WrapRecord]
    /// Makes what deleted rows held unrecoverable from the backend's own files as far as it can
    /// (SQLite: folds the WAL into the database, whose freed pages `secure_delete` has zeroed, and
    /// truncates the WAL). Called after a crypto-shred, a withdrawal or a rotation, before it reports
    /// success. PostgreSQL cannot do this (dead tuples, WAL, archives): there the erasure tree, not
    /// the catalog, is what makes erasure hold (docs/THREAT-MODEL.md).
    func purgeDeleted() async throws(CatalogError)
    /// The key ids that some wrap of the role still uses.
    func keyIDsInUse(role: String) async throws(CatalogError) -> Set<String>

    // MARK: Patients and consent
    func upsertPatient(_ patient: PatientRecord) async throws(CatalogError)
    func patient(_ pseudonym: String) async throws(CatalogError) -> PatientRecord?
    func consents(session: String) async throws(CatalogError) -> [ConsentRecord]
    /// A session's consent rows and the officer's seal over them, read in one transaction.
    func consentRegister(session: String) async throws(CatalogError) -> ConsentRegister
    /// Every session that has consent rows, and whether each has a seal.
    func consentSessions() async throws(CatalogError) -> [(session: String, sealed: Bool)]
    /// Seals the consent registers of `sessions` as they stand (each under its session's consent
    /// lock), replacing any seal, with one audit entry; returns how many were sealed.
    func sealConsentRegisters(_ sessions: [String], seal: ConsentSealer, audit: AuditDraft) async throws(CatalogError) -> Int
    /// Applies a consent change (new rows, renewals, the wraps and due dates they give) in one
    /// transaction with its audit entry; returns how many wraps were added.
    @discardableResult
    func changeConsent(_ change: ConsentChange) async throws(CatalogError) -> Int

    // MARK: Recordings
    func beginStaging(_ staging: StagingRecord) async throws(CatalogError)
    func stagingRecords() async throws(CatalogError) -> [StagingRecord]
    /// Removes a staging row (after its blobs are deleted).
    func discardStaging(_ id: RecordingID, audit: AuditDraft) async throws(CatalogError)
    /// Turns a staging recording into a live one with its chunks and wraps, in one transaction.
    ///
    /// With `consentedScopes`, the commit first checks, in the same transaction and serialised with
    /// ``withdrawConsent(session:scope:withdrawnOn:recordedAt:revokeRoles:dueUpdates:audit:)`` and
    /// ``recordConsents(_:audit:)``, that the session's active scopes are still exactly those the
    /// wraps were made for; if not it throws ``CatalogError/consentChanged(session:expected:found:)``
    /// and changes nothing (the caller recomputes the wraps and due date and commits again). This is
    /// what keeps a withdrawal made during a long upload from missing that upload's wraps.
    func commitRecording(_ recording: RecordingRecord, chunks: [ChunkRecord], wraps: [WrapRecord], consentedScopes: [String]?,
                         audit: AuditDraft) async throws(CatalogError)
    func recording(_ id: RecordingID) async throws(CatalogError) -> RecordingRecord?
    /// Switches a live recording to a rewritten set of chunks (a format upgrade), in one
    /// transaction: its chunk rows, manifest and manifest tag, with the audit entry. Refused with
    /// ``CatalogError/changedConcurrently(what:id:)`` unless the stored tag is still
    /// `expectedManifestTag`, and with ``CatalogError/invalidState(recording:expected:found:)`` if the
    /// recording is no longer live or a hold covers it. Nothing changes when it throws.
    func replaceChunks(of id: RecordingID, expectedManifestTag: [UInt8], manifest: [UInt8], manifestTag: [UInt8],
                       chunks: [ChunkRecord], audit: AuditDraft) async throws(CatalogError)
    func recordings(_ filter: RecordingFilter) async throws(CatalogError) -> [RecordingRecord]
    /// Chunks `range` of a recording, in index order.
    func chunks(of id: RecordingID, in range: Range<Int>) async throws(CatalogError) -> [ChunkRecord]
    func wrap(of id: RecordingID, role: String) async throws(CatalogError) -> WrapRecord?
    func wrapRoles(of id: RecordingID) async throws(CatalogError) -> [String]
    /// Which of `ids` hold a wrap for `role`: one query for a whole listing instead of one per recording.
    func recordingsWrapped(for role: String, among ids: [RecordingID]) async throws(CatalogError) -> Set<RecordingID>
    /// Which of `ids` the catalog knows in any state other than destroyed (so their blobs are not orphans).
    func knownRecordings(among ids: [RecordingID]) async throws(CatalogError) -> Set<RecordingID>

    // MARK: Audit
    /// Appends an entry on its own (refusals, reads).
    func appendAudit(_ draft: AuditDraft) async throws(CatalogError)
    /// Entries with sequence numbers greater than `after`, in order, at most `limit`.
    func auditEntries(after: Int64, limit: Int) async throws(CatalogError) -> [AuditEntry]

    // MARK: Consent withdrawal and retention
    /// Withdraws one active scope of a session and, in the same transaction, deletes the wraps of
    /// `revokeRoles` from the session's live recordings (cryptographic revocation) and stores the
    /// recomputed due dates. Returns the wraps deleted (their erasure leaves go next), including those
    /// of a recording committed after the caller listed the session's recordings.
    func withdrawConsent(session: String, scope: String, withdrawnOn: CivilDate, recordedAt: Date, revokeRoles: [String],
                         dueUpdates: [DueDateUpdate], seal: ConsentSealer?, audit: AuditDraft) async throws(CatalogError) -> [WrapRecord]
    /// Stores recomputed due dates, and the patient's new events if given, with one audit entry, in one transaction.
    func updateDueDates(_ updates: [DueDateUpdate], patient: PatientRecord?, audit: AuditDraft) async throws(CatalogError)

    // MARK: Holds
    /// Places a hold; returns its id. A hold on a recording that is no longer live is refused.
    func placeHold(_ hold: HoldRecord, audit: AuditDraft) async throws(CatalogError) -> Int64
    func releaseHold(_ id: Int64, by: String, at: Date, audit: AuditDraft) async throws(CatalogError)
    func holds(includeReleased: Bool) async throws(CatalogError) -> [HoldRecord]
    /// True if an active hold covers the recording (directly or through its patient).
    func isHeld(_ id: RecordingID) async throws(CatalogError) -> Bool

    // MARK: Sweeping
    /// Due counts per class and disposition on `today` (one indexed query; for dry runs).
    func dueSummary(on today: CivilDate) async throws(CatalogError) -> [DueSummary]
    /// Up to `limit` live, unheld recordings due on `today` that may be destroyed now: disposition
    /// `destroy`, or a review approved by a records officer. In due-date order.
    func destroyable(on today: CivilDate, limit: Int) async throws(CatalogError) -> [RecordingRecord]
    /// Queues live, unheld recordings due on `today` whose disposition is `review`; returns how many were queued.
    func queueReviews(on today: CivilDate, at: Date, limit: Int) async throws(CatalogError) -> Int
    /// Step 1+2 of destruction, in one transaction per batch: each recording still live and unheld
    /// becomes `disposing` and loses every wrap (crypto-shredding). Returns the ids that started and
    /// every wrap deleted, whenever it was written (their erasure leaves go next).
    func startDisposal(_ items: [(id: RecordingID, authorisedBy: String)], at: Date, actor: String) async throws(CatalogError) -> DisposalStart
    /// Recordings whose disposal started but did not finish (a crash or a locked blob).
    /// In id order, only ids greater than `after` (keyset pagination: recordings a WORM store keeps
    /// for now stay `disposing`, and must not hide the ones after them).
    func disposing(after: RecordingID?, limit: Int) async throws(CatalogError) -> [RecordingRecord]
    /// Step 4: writes each destruction record, drops chunk rows and the manifest, marks destroyed.
    func finishDisposal(_ records: [DestructionRecord], actor: String) async throws(CatalogError)
    func destructionRecords(since: Date?, limit: Int) async throws(CatalogError) -> [DestructionRecord]
    func dispositions(status: DispositionRecord.Status?) async throws(CatalogError) -> [DispositionRecord]
    /// A records officer's decision on a queued review: approve (destroy at the next sweep) or extend to a new due date.
    /// Puts an approved review back in the queue (its approval could not be verified).
    func reopenDisposition(_ id: RecordingID, audit: AuditDraft) async throws(CatalogError)
    func decideDisposition(_ id: RecordingID, approve: Bool, extendUntil: CivilDate?, reason: String?, by: String, at: Date, signature: [UInt8]?,
                           audit: AuditDraft) async throws(CatalogError)
    /// The officers' extensions of a recording's retention, oldest first (kept after they end, as history).
    func retentionExtensions(of id: RecordingID) async throws(CatalogError) -> [RetentionExtension]

    // MARK: Audit queries and checkpoints
    /// Entries matching a filter, in sequence order.
    func auditEntries(matching filter: AuditFilter) async throws(CatalogError) -> [AuditEntry]
    /// The newest entry, if any.
    func auditHead() async throws(CatalogError) -> AuditEntry?
    func addCheckpoint(_ checkpoint: AuditCheckpoint) async throws(CatalogError)
    func checkpoints() async throws(CatalogError) -> [AuditCheckpoint]

    // MARK: Consistency (fsck)
    /// Live recordings that have no wrap at all (nobody could ever read them).
    func liveRecordingsWithoutWraps(limit: Int) async throws(CatalogError) -> [RecordingID]
    /// Wraps that belong to recordings which are not live (they should have been shredded).
    func wrapsOfRecordingsNotLive(limit: Int) async throws(CatalogError) -> [WrapRecord]
    /// Deletes wraps of recordings that are not live (repair: finish a crypto-shred).
    func deleteWrapsOfRecordingsNotLive(audit: AuditDraft) async throws(CatalogError) -> Int

    // MARK: Requests and aggregate figures
    /// Registers a request with the changes it starts with (an extension decided at registration),
    /// in one transaction with `audit` (whose target becomes `request:<id>`); returns its id.
    func addRequest(_ request: RequestRecord, events: [RequestEvent], audit: AuditDraft) async throws(CatalogError) -> Int64
    /// Open requests (or all) by due date, then id.
    func requests(openOnly: Bool) async throws(CatalogError) -> [RequestRecord]
    /// One request, open or closed; nil when there is none with that id.
    func request(_ id: Int64) async throws(CatalogError) -> RequestRecord?
    /// A request's changes, in the order they were recorded.
    func requestEvents(_ id: Int64) async throws(CatalogError) -> [RequestEvent]
    /// Records a change to an open request: `event` is appended and the request's due date, pause,
    /// extension and close take the values of `updated`, in one transaction with `audit`; the revision
    /// goes up by one. Refused with ``CatalogError/notFound(what:id:)`` ("open request") when the
    /// request does not exist or is closed, and ``CatalogError/changedConcurrently(what:id:)`` when
    /// its revision is no longer `updated.revision` (someone else changed it meanwhile): nothing is written.
    func recordRequestEvent(_ event: RequestEvent, updating updated: RequestRecord, audit: AuditDraft) async throws(CatalogError)
    /// Counts per category and month (`YYYY-MM`) for one measure, between two civil dates inclusive.
    /// Aggregates only: no identifier ever leaves this call.
    func monthlyCounts(_ measure: AggregateMeasure, from: CivilDate, to: CivilDate) async throws(CatalogError) -> [MonthlyCount]

    // MARK: Subject-access reviews
    /// Stores a new review with its items (their order kept) and its audit entry; returns its id.
    /// The audit entry's target is set to `sar-review:ID`.
    func addAccessReview(_ review: AccessReviewRecord, audit: AuditDraft) async throws(CatalogError) -> Int64
    /// The review with its items in their order, or nil.
    func accessReview(_ id: Int64) async throws(CatalogError) -> AccessReviewRecord?
    /// Reviews without their items, newest first; only the patient's if `patient` is given.
    func accessReviews(patient: String?) async throws(CatalogError) -> [AccessReviewRecord]
    /// Stores the review's opinion, sign-off, signature, release and every item's decision, and
    /// the audit entry, in one transaction, if the stored revision is still `expectedRevision`;
    /// the stored revision becomes `expectedRevision + 1`. Otherwise changes nothing and throws
    /// ``CatalogError/changedConcurrently(what:id:)`` (or ``CatalogError/notFound(what:id:)``).
    /// The items' list (keys, kinds, recordings, flags) never changes.
    func updateAccessReview(_ review: AccessReviewRecord, expectedRevision: Int64, audit: AuditDraft) async throws(CatalogError)

    // MARK: Users
    /// Adds a service user with their care list; a name already taken (even by a revoked user) is `alreadyExists`.
    func addUser(_ user: UserRecord, audit: AuditDraft) async throws(CatalogError)
    /// The user of that name, revoked or not.
    func user(named name: String) async throws(CatalogError) -> UserRecord?
    /// The user whose token has this SHA-256, revoked or not (callers check ``UserRecord/isActive``).
    func user(tokenHash: [UInt8]) async throws(CatalogError) -> UserRecord?
    /// Every user, by name.
    func users() async throws(CatalogError) -> [UserRecord]
    /// Revokes an active user's token; `notFound` if there is no active user of that name.
    func revokeUser(_ name: String, at: Date, audit: AuditDraft) async throws(CatalogError)
    /// Records an active officer's signed enrolment (``UserRecord/enrolment``); `notFound` if there
    /// is no active officer of that name.
    func setUserEnrolment(_ name: String, enrolment: [UInt8], audit: AuditDraft) async throws(CatalogError)

    // MARK: Media
    /// Stores a live recording's media facts (as the JSON text `media_facts` holds).
    func setMediaFacts(_ id: RecordingID, _ facts: MediaFacts) async throws(CatalogError)

    // MARK: Exclusive work
    /// Runs `body` while holding the vault-wide exclusive lock `name` (e.g. `sweep`), so that only one
    /// process of all that share this catalog does that work at a time.
    ///
    /// Never waits: if any holder (another process, node, catalog instance, or another call in this
    /// process) has the lock, returns `nil` at once without running `body`. Otherwise returns `body`'s
    /// result, and the lock is released when `body` returns or throws (its error is rethrown). The
    /// lock is also released if the process dies, so another process can take over a killed holder's
    /// work. It is not re-entrant: calling it again for the same name inside `body` returns `nil`.
    /// How each backend holds it: ``SQLiteCatalog/withExclusiveLock(_:_:)`` (`flock`) and
    /// ``PostgresCatalog/withExclusiveLock(_:_:)`` (an advisory lock; a lost connection cancels `body`).
    ///
    /// `name` is 1 to 64 characters of `A-Z a-z 0-9 . _ -`; anything else is ``CatalogError/backend(message:)``.
    func withExclusiveLock<T: Sendable>(_ name: String, _ body: @Sendable () async throws -> T) async throws -> T?
}

extension Catalog {
    /// The first `limit` recordings in state `disposing`, in id order.
    public func disposing(limit: Int) async throws(CatalogError) -> [RecordingRecord] {
        try await disposing(after: nil, limit: limit)
    }
}

/// Checks an exclusive lock's name (see ``Catalog/withExclusiveLock(_:_:)``).
func validateLockName(_ name: String) throws(CatalogError) {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    guard (1...64).contains(name.count), name.allSatisfy({ allowed.contains($0) }) else {
        throw .backend(message: "invalid exclusive lock name '\(name.prefix(64))' (1 to 64 of A-Z a-z 0-9 . _ -)")
    }
}
