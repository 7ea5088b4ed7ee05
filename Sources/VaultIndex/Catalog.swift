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
///
/// Each backend provides the few requirements below: the two transaction primitives, over which
/// every other method is written once (the extension, each running the rule of the same name in
/// ``CatalogTransaction``), and what is its own (the audit append, purging, the exclusive lock).
///
/// `sending`: SQLite's primitives are isolated to its actor (its calls block, and run on the actor's
/// own executor), so the body is handed over to that isolation; PostgreSQL's run it on a pooled
/// connection and return a `Sendable` result. `nonisolated(nonsending)`: the body runs where the
/// primitive runs it, as the rules' own methods do.
///
/// Package-wide: only the vault (SessionVault) and the tests use a catalog.
package protocol Catalog: Sendable {
    /// Runs `body` in one write transaction (retried where the backend retries); commits if it
    /// returns, rolls back if it throws.
    func write<T: Sendable>(_ body: sending nonisolated(nonsending) (CatalogTransaction) async throws(CatalogError) -> T)
        async throws(CatalogError) -> T

    /// Runs `body`'s reads, each statement on its own snapshot.
    func read<T: Sendable>(_ body: sending nonisolated(nonsending) (CatalogTransaction) async throws(CatalogError) -> T)
        async throws(CatalogError) -> T

    /// Makes what deleted rows held unrecoverable from the backend's own files as far as it can
    /// (SQLite: folds the WAL into the database, whose freed pages `secure_delete` has zeroed, and
    /// truncates the WAL). Called after a crypto-shred, a withdrawal or a rotation, before it reports
    /// success. PostgreSQL cannot do this (dead tuples, WAL, archives): there the erasure tree, not
    /// the catalog, is what makes erasure hold (docs/THREAT-MODEL.md).
    func purgeDeleted() async throws(CatalogError)
    /// Appends an entry on its own (refusals, reads).
    func appendAudit(_ draft: AuditDraft) async throws(CatalogError)
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
    /// Applies pending migrations; refuses a schema newer than this program knows.
    /// One migration per transaction, each deciding from the version in force when it began.
    package func migrate() async throws(CatalogError) {
        while try await write({ (tx) throws(CatalogError) in try await tx.applyNextMigration() }) {}
    }
    /// The schema version in force.
    package func schemaVersion() async throws(CatalogError) -> Int { try await read { (tx) throws(CatalogError) in try await tx.schemaVersion() } }

    // MARK: Vault metadata
    package func meta(_ key: String) async throws(CatalogError) -> String? { try await read { (tx) throws(CatalogError) in try await tx.meta(key) } }
    package func setMeta(_ key: String, _ value: String) async throws(CatalogError) { try await write { (tx) throws(CatalogError) in try await tx.setMeta(key, value) } }

    // MARK: Roles
    package func addRole(_ role: RoleRecord, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.addRole(role, audit: audit) }
    }
    package func role(named name: String) async throws(CatalogError) -> RoleRecord? { try await read { (tx) throws(CatalogError) in try await tx.role(named: name) } }
    package func roles() async throws(CatalogError) -> [RoleRecord] { try await read { (tx) throws(CatalogError) in try await tx.roles() } }
    /// Makes `publicKey`/`keyID` the role's current key; new wraps use it from now on.
    package func setRoleKey(_ name: String, publicKey: [UInt8], keyID: String, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.setRoleKey(name, publicKey: publicKey, keyID: keyID, audit: audit) }
    }
    /// Up to `limit` wraps of a role whose key id differs from `keyID` (what a rotation still has to re-wrap).
    package func wrapsToRotate(role: String, notKeyID keyID: String, limit: Int) async throws(CatalogError) -> [WrapRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.wrapsToRotate(role: role, notKeyID: keyID, limit: limit) }
    }
    /// Replaces wraps (same recording and role) in one transaction; a wrap whose recording is no
    /// longer live is skipped. Returns how many were replaced.
    package func replaceWraps(_ wraps: [WrapRecord]) async throws(CatalogError) -> Int { try await write { (tx) throws(CatalogError) in try await tx.replaceWraps(wraps) } }
    /// Every wrap, in (recording, role) order, after `after` (keyset pagination), at most `limit`.
    package func wraps(after: (recording: RecordingID, role: String)?, limit: Int) async throws(CatalogError) -> [WrapRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.wraps(after: after, limit: limit) }
    }
    /// The key ids that some wrap of the role still uses.
    package func keyIDsInUse(role: String) async throws(CatalogError) -> Set<String> { try await read { (tx) throws(CatalogError) in try await tx.keyIDsInUse(role: role) } }

    // MARK: Patients and consent
    package func upsertPatient(_ patient: PatientRecord) async throws(CatalogError) { try await write { (tx) throws(CatalogError) in try await tx.upsertPatient(patient) } }
    package func patient(_ pseudonym: String) async throws(CatalogError) -> PatientRecord? { try await read { (tx) throws(CatalogError) in try await tx.patient(pseudonym) } }
    package func consents(session: String) async throws(CatalogError) -> [ConsentRecord] { try await read { (tx) throws(CatalogError) in try await tx.consents(session: session) } }
    /// A session's consent rows and the officer's seal over them, read in one transaction.
    package func consentRegister(session: String) async throws(CatalogError) -> ConsentRegister {
        try await read { (tx) throws(CatalogError) in try await tx.consentRegister(session: session) }
    }
    /// Every session that has consent rows, and whether each has a seal.
    package func consentSessions() async throws(CatalogError) -> [(session: String, sealed: Bool)] {
        try await read { (tx) throws(CatalogError) in try await tx.consentSessions() }
    }
    /// Seals the consent registers of `sessions` as they stand (each under its session's consent
    /// lock), replacing any seal, with one audit entry; returns how many were sealed.
    package func sealConsentRegisters(_ sessions: [String], seal: ConsentSealer, audit: AuditDraft) async throws(CatalogError) -> Int {
        try await write { (tx) throws(CatalogError) in try await tx.sealConsentRegisters(sessions, seal: seal, audit: audit) }
    }
    /// Applies a consent change (new rows, renewals, the wraps and due dates they give) in one
    /// transaction with its audit entry; returns how many wraps were added.
    @discardableResult
    package func changeConsent(_ change: ConsentChange) async throws(CatalogError) -> Int { try await write { (tx) throws(CatalogError) in try await tx.changeConsent(change) } }

    // MARK: Recordings
    package func beginStaging(_ staging: StagingRecord) async throws(CatalogError) { try await write { (tx) throws(CatalogError) in try await tx.beginStaging(staging) } }
    package func stagingRecords() async throws(CatalogError) -> [StagingRecord] { try await read { (tx) throws(CatalogError) in try await tx.stagingRecords() } }
    /// Removes a staging row (after its blobs are deleted).
    package func discardStaging(_ id: RecordingID, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.discardStaging(id, audit: audit) }
    }
    /// Turns a staging recording into a live one with its chunks and wraps, in one transaction.
    ///
    /// With `consentedScopes`, the commit first checks, in the same transaction and serialised with
    /// ``withdrawConsent(session:scope:withdrawnOn:recordedAt:revokeRoles:dueUpdates:audit:)`` and
    /// ``recordConsents(_:audit:)``, that the session's active scopes are still exactly those the
    /// wraps were made for; if not it throws ``CatalogError/consentChanged(session:expected:found:)``
    /// and changes nothing (the caller recomputes the wraps and due date and commits again). This is
    /// what keeps a withdrawal made during a long upload from missing that upload's wraps.
    package func commitRecording(_ recording: RecordingRecord, chunks: [ChunkRecord], wraps: [WrapRecord], consentedScopes: [String]?, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.commitRecording(recording, chunks: chunks, wraps: wraps, consentedScopes: consentedScopes, audit: audit) }
    }
    package func recording(_ id: RecordingID) async throws(CatalogError) -> RecordingRecord? { try await read { (tx) throws(CatalogError) in try await tx.recording(id) } }
    /// Switches a live recording to a rewritten set of chunks (a format upgrade), in one
    /// transaction: its chunk rows, manifest and manifest tag, with the audit entry. Refused with
    /// ``CatalogError/changedConcurrently(what:id:)`` unless the stored tag is still
    /// `expectedManifestTag`, and with ``CatalogError/invalidState(recording:expected:found:)`` if the
    /// recording is no longer live or a hold covers it. Nothing changes when it throws.
    package func replaceChunks(of id: RecordingID, expectedManifestTag: [UInt8], manifest: [UInt8], manifestTag: [UInt8],
                              chunks: [ChunkRecord], audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in
            try await tx.replaceChunks(of: id, expectedManifestTag: expectedManifestTag, manifest: manifest, manifestTag: manifestTag,
                                       chunks: chunks, audit: audit)
        }
    }
    package func recordings(_ filter: RecordingFilter) async throws(CatalogError) -> [RecordingRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.recordings(filter) }
    }
    /// Chunks `range` of a recording, in index order.
    package func chunks(of id: RecordingID, in range: Range<Int>) async throws(CatalogError) -> [ChunkRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.chunks(of: id, in: range) }
    }
    package func wrap(of id: RecordingID, role: String) async throws(CatalogError) -> WrapRecord? {
        try await read { (tx) throws(CatalogError) in try await tx.wrap(of: id, role: role) }
    }
    package func wrapRoles(of id: RecordingID) async throws(CatalogError) -> [String] { try await read { (tx) throws(CatalogError) in try await tx.wrapRoles(of: id) } }
    /// Which of `ids` hold a wrap for `role`: one query for a whole listing instead of one per recording.
    package func recordingsWrapped(for role: String, among ids: [RecordingID]) async throws(CatalogError) -> Set<RecordingID> {
        try await read { (tx) throws(CatalogError) in try await tx.recordingsWrapped(for: role, among: ids) }
    }
    /// Which of `ids` the catalog knows in any state other than destroyed (so their blobs are not orphans).
    package func knownRecordings(among ids: [RecordingID]) async throws(CatalogError) -> Set<RecordingID> {
        try await read { (tx) throws(CatalogError) in try await tx.knownRecordings(among: ids) }
    }

    // MARK: Audit
    /// Entries with sequence numbers greater than `after`, in order, at most `limit`.
    package func auditEntries(after: Int64, limit: Int) async throws(CatalogError) -> [AuditEntry] {
        try await read { (tx) throws(CatalogError) in try await tx.auditEntries(after: after, limit: limit) }
    }

    // MARK: Consent withdrawal and retention
    /// Withdraws one active scope of a session and, in the same transaction, deletes the wraps of
    /// `revokeRoles` from the session's live recordings (cryptographic revocation) and stores the
    /// recomputed due dates. Returns the wraps deleted (their erasure leaves go next), including those
    /// of a recording committed after the caller listed the session's recordings.
    package func withdrawConsent(session: String, scope: String, withdrawnOn: CivilDate, recordedAt: Date, revokeRoles: [String], dueUpdates: [DueDateUpdate], seal: ConsentSealer?, audit: AuditDraft) async throws(CatalogError) -> [WrapRecord] {
        try await write { (tx) throws(CatalogError) in try await tx.withdrawConsent(session: session, scope: scope, withdrawnOn: withdrawnOn, recordedAt: recordedAt, revokeRoles: revokeRoles, dueUpdates: dueUpdates, seal: seal, audit: audit) }
    }
    /// Stores recomputed due dates, and the patient's new events if given, with one audit entry, in one transaction.
    package func updateDueDates(_ updates: [DueDateUpdate], patient: PatientRecord?, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.updateDueDates(updates, patient: patient, audit: audit) }
    }

    // MARK: Holds
    /// Places a hold; returns its id. A hold on a recording that is no longer live is refused.
    package func placeHold(_ hold: HoldRecord, audit: AuditDraft) async throws(CatalogError) -> Int64 {
        try await write { (tx) throws(CatalogError) in try await tx.placeHold(hold, audit: audit) }
    }
    package func releaseHold(_ id: Int64, by: String, at: Date, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.releaseHold(id, by: by, at: at, audit: audit) }
    }
    package func holds(includeReleased: Bool) async throws(CatalogError) -> [HoldRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.holds(includeReleased: includeReleased) }
    }
    /// True if an active hold covers the recording (directly or through its patient).
    package func isHeld(_ id: RecordingID) async throws(CatalogError) -> Bool { try await read { (tx) throws(CatalogError) in try await tx.isHeld(id) } }

    // MARK: Sweeping
    /// Due counts per class and disposition on `today` (one indexed query; for dry runs).
    package func dueSummary(on today: CivilDate) async throws(CatalogError) -> [DueSummary] { try await read { (tx) throws(CatalogError) in try await tx.dueSummary(on: today) } }
    /// Up to `limit` live, unheld recordings due on `today` that may be destroyed now: disposition
    /// `destroy`, or a review approved by a records officer. In due-date order.
    package func destroyable(on today: CivilDate, limit: Int) async throws(CatalogError) -> [RecordingRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.destroyable(on: today, limit: limit) }
    }
    /// Queues live, unheld recordings due on `today` whose disposition is `review`; returns how many were queued.
    package func queueReviews(on today: CivilDate, at: Date, limit: Int) async throws(CatalogError) -> Int {
        try await write { (tx) throws(CatalogError) in try await tx.queueReviews(on: today, at: at, limit: limit) }
    }
    /// Step 1+2 of destruction, in one transaction per batch: each recording still live and unheld
    /// becomes `disposing` and loses every wrap (crypto-shredding). Returns the ids that started and
    /// every wrap deleted, whenever it was written (their erasure leaves go next).
    package func startDisposal(_ items: [(id: RecordingID, authorisedBy: String)], at: Date, actor: String) async throws(CatalogError) -> DisposalStart {
        try await write { (tx) throws(CatalogError) in try await tx.startDisposal(items, at: at, actor: actor) }
    }
    /// Recordings whose disposal started but did not finish (a crash or a locked blob).
    /// In id order, only ids greater than `after` (keyset pagination: recordings a WORM store keeps
    /// for now stay `disposing`, and must not hide the ones after them).
    package func disposing(after: RecordingID?, limit: Int) async throws(CatalogError) -> [RecordingRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.disposing(after: after, limit: limit) }
    }
    /// The first `limit` recordings in state `disposing`, in id order.
    package func disposing(limit: Int) async throws(CatalogError) -> [RecordingRecord] {
        try await disposing(after: nil, limit: limit)
    }
    /// Step 4: writes each destruction record, drops chunk rows and the manifest, marks destroyed.
    package func finishDisposal(_ records: [DestructionRecord], actor: String) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.finishDisposal(records, actor: actor) }
    }
    package func destructionRecords(since: Date?, limit: Int) async throws(CatalogError) -> [DestructionRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.destructionRecords(since: since, limit: limit) }
    }
    package func dispositions(status: DispositionRecord.Status?) async throws(CatalogError) -> [DispositionRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.dispositions(status: status) }
    }
    /// Puts an approved review back in the queue (its approval could not be verified).
    package func reopenDisposition(_ id: RecordingID, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.reopenDisposition(id, audit: audit) }
    }
    /// A records officer's decision on a queued review: approve (destroy at the next sweep) or extend to a new due date.
    package func decideDisposition(_ id: RecordingID, approve: Bool, extendUntil: CivilDate?, reason: String?, by: String, at: Date, signature: [UInt8]?, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.decideDisposition(id, approve: approve, extendUntil: extendUntil, reason: reason, by: by, at: at, signature: signature, audit: audit) }
    }
    /// The officers' extensions of a recording's retention, oldest first (kept after they end, as history).
    package func retentionExtensions(of id: RecordingID) async throws(CatalogError) -> [RetentionExtension] {
        try await read { (tx) throws(CatalogError) in try await tx.retentionExtensions(of: id) }
    }

    // MARK: Audit queries and checkpoints
    /// Entries matching a filter, in sequence order.
    package func auditEntries(matching filter: AuditFilter) async throws(CatalogError) -> [AuditEntry] {
        try await read { (tx) throws(CatalogError) in try await tx.auditEntries(matching: filter) }
    }
    /// The newest entry, if any.
    package func auditHead() async throws(CatalogError) -> AuditEntry? { try await read { (tx) throws(CatalogError) in try await tx.auditHead() } }
    package func addCheckpoint(_ checkpoint: AuditCheckpoint) async throws(CatalogError) { try await write { (tx) throws(CatalogError) in try await tx.addCheckpoint(checkpoint) } }
    package func checkpoints() async throws(CatalogError) -> [AuditCheckpoint] { try await read { (tx) throws(CatalogError) in try await tx.checkpoints() } }

    // MARK: Consistency (fsck)
    /// Live recordings that have no wrap at all (nobody could ever read them).
    package func liveRecordingsWithoutWraps(limit: Int) async throws(CatalogError) -> [RecordingID] {
        try await read { (tx) throws(CatalogError) in try await tx.liveRecordingsWithoutWraps(limit: limit) }
    }
    /// Wraps that belong to recordings which are not live (they should have been shredded).
    package func wrapsOfRecordingsNotLive(limit: Int) async throws(CatalogError) -> [WrapRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.wrapsOfRecordingsNotLive(limit: limit) }
    }
    /// Deletes wraps of recordings that are not live (repair: finish a crypto-shred).
    package func deleteWrapsOfRecordingsNotLive(audit: AuditDraft) async throws(CatalogError) -> Int {
        try await write { (tx) throws(CatalogError) in try await tx.deleteWrapsOfRecordingsNotLive(audit: audit) }
    }

    // MARK: Requests and aggregate figures
    /// Registers a request with the changes it starts with (an extension decided at registration),
    /// in one transaction with `audit` (whose target becomes `request:<id>`); returns its id.
    package func addRequest(_ request: RequestRecord, events: [RequestEvent], audit: AuditDraft) async throws(CatalogError) -> Int64 {
        try await write { (tx) throws(CatalogError) in try await tx.addRequest(request, events: events, audit: audit) }
    }
    /// Open requests (or all) by due date, then id.
    package func requests(openOnly: Bool) async throws(CatalogError) -> [RequestRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.requests(openOnly: openOnly) }
    }
    /// One request, open or closed; nil when there is none with that id.
    package func request(_ id: Int64) async throws(CatalogError) -> RequestRecord? { try await read { (tx) throws(CatalogError) in try await tx.request(id) } }
    /// A request's changes, in the order they were recorded.
    package func requestEvents(_ id: Int64) async throws(CatalogError) -> [RequestEvent] { try await read { (tx) throws(CatalogError) in try await tx.requestEvents(id) } }
    /// Records a change to an open request: `event` is appended and the request's due date, pause,
    /// extension and close take the values of `updated`, in one transaction with `audit`; the revision
    /// goes up by one. Refused with ``CatalogError/notFound(what:id:)`` ("open request") when the
    /// request does not exist or is closed, and ``CatalogError/changedConcurrently(what:id:)`` when
    /// its revision is no longer `updated.revision` (someone else changed it meanwhile): nothing is written.
    package func recordRequestEvent(_ event: RequestEvent, updating updated: RequestRecord, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.recordRequestEvent(event, updating: updated, audit: audit) }
    }
    /// Counts per category and month (`YYYY-MM`) for one measure, between two civil dates inclusive.
    /// Aggregates only: no identifier ever leaves this call.
    package func monthlyCounts(_ measure: AggregateMeasure, from: CivilDate, to: CivilDate) async throws(CatalogError) -> [MonthlyCount] {
        try await read { (tx) throws(CatalogError) in try await tx.monthlyCounts(measure, from: from, to: to) }
    }

    // MARK: Subject-access reviews
    /// Stores a new review with its items (their order kept) and its audit entry; returns its id.
    /// The audit entry's target is set to `sar-review:ID`.
    package func addAccessReview(_ review: AccessReviewRecord, audit: AuditDraft) async throws(CatalogError) -> Int64 {
        try await write { (tx) throws(CatalogError) in try await tx.addAccessReview(review, audit: audit) }
    }
    /// The review with its items in their order, or nil.
    package func accessReview(_ id: Int64) async throws(CatalogError) -> AccessReviewRecord? { try await read { (tx) throws(CatalogError) in try await tx.accessReview(id) } }
    /// Reviews without their items, newest first; only the patient's if `patient` is given.
    package func accessReviews(patient: String?) async throws(CatalogError) -> [AccessReviewRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.accessReviews(patient: patient) }
    }
    /// Stores the review's opinion, sign-off, signature, release and every item's decision, and
    /// the audit entry, in one transaction, if the stored revision is still `expectedRevision`;
    /// the stored revision becomes `expectedRevision + 1`. Otherwise changes nothing and throws
    /// ``CatalogError/changedConcurrently(what:id:)`` (or ``CatalogError/notFound(what:id:)``).
    /// The items' list (keys, kinds, recordings, flags) never changes.
    package func updateAccessReview(_ review: AccessReviewRecord, expectedRevision: Int64, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.updateAccessReview(review, expectedRevision: expectedRevision, audit: audit) }
    }

    // MARK: Users
    /// Adds a service user with their care list; a name already taken (even by a revoked user) is `alreadyExists`.
    package func addUser(_ user: UserRecord, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.addUser(user, audit: audit) }
    }
    /// The user of that name, revoked or not.
    package func user(named name: String) async throws(CatalogError) -> UserRecord? { try await read { (tx) throws(CatalogError) in try await tx.user(named: name) } }
    /// The user whose token has this SHA-256, revoked or not (callers check ``UserRecord/isActive``).
    package func user(tokenHash: [UInt8]) async throws(CatalogError) -> UserRecord? { try await read { (tx) throws(CatalogError) in try await tx.user(tokenHash: tokenHash) } }
    /// Every user, by name.
    package func users() async throws(CatalogError) -> [UserRecord] { try await read { (tx) throws(CatalogError) in try await tx.users() } }
    /// Revokes an active user's token; `notFound` if there is no active user of that name.
    package func revokeUser(_ name: String, at: Date, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.revokeUser(name, at: at, audit: audit) }
    }
    /// Records an active officer's signed enrolment (``UserRecord/enrolment``); `notFound` if there
    /// is no active officer of that name.
    package func setUserEnrolment(_ name: String, enrolment: [UInt8], audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.setUserEnrolment(name, enrolment: enrolment, audit: audit) }
    }

    // MARK: Media
    /// Stores a live recording's media facts (as the JSON text `media_facts` holds).
    package func setMediaFacts(_ id: RecordingID, _ facts: MediaFacts) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.setMediaFacts(id, facts) }
    }
}

/// Checks an exclusive lock's name (see ``Catalog/withExclusiveLock(_:_:)``).
func validateLockName(_ name: String) throws(CatalogError) {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    guard (1...64).contains(name.count), name.allSatisfy({ allowed.contains($0) }) else {
        throw .backend(message: "invalid exclusive lock name '\(name.prefix(64))' (1 to 64 of A-Z a-z 0-9 . _ -)")
    }
}
