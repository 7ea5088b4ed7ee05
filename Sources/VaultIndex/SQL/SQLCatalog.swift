public import Foundation

/// A catalog that runs the shared rules (``CatalogTransaction``) on its own connections: SQLite and
/// PostgreSQL each provide the two primitives below, and the ``Catalog`` methods are written once,
/// in the extension, each running the rule of the same name in one transaction, or reading.
///
/// `sending`: SQLite's primitives are isolated to its actor (its calls block, and run on the actor's
/// own executor), so the body is handed over to that isolation; PostgreSQL's run it on a pooled
/// connection and return a `Sendable` result. `nonisolated(nonsending)`: the body runs where the
/// primitive runs it, as the rules' own methods do.
protocol SQLCatalog: Catalog {
    /// Runs `body` in one write transaction (retried where the backend retries); commits if it
    /// returns, rolls back if it throws.
    func write<T: Sendable>(_ body: sending nonisolated(nonsending) (CatalogTransaction) async throws(CatalogError) -> T)
        async throws(CatalogError) -> T

    /// Runs `body`'s reads, each statement on its own snapshot.
    func read<T: Sendable>(_ body: sending nonisolated(nonsending) (CatalogTransaction) async throws(CatalogError) -> T)
        async throws(CatalogError) -> T
}

extension SQLCatalog {
    /// One migration per transaction, each deciding from the version in force when it began.
    public func migrate() async throws(CatalogError) {
        while try await write({ (tx) throws(CatalogError) in try await tx.applyNextMigration() }) {}
    }
    public func schemaVersion() async throws(CatalogError) -> Int { try await read { (tx) throws(CatalogError) in try await tx.schemaVersion() } }
    public func meta(_ key: String) async throws(CatalogError) -> String? { try await read { (tx) throws(CatalogError) in try await tx.meta(key) } }
    public func setMeta(_ key: String, _ value: String) async throws(CatalogError) { try await write { (tx) throws(CatalogError) in try await tx.setMeta(key, value) } }
    public func addRole(_ role: RoleRecord, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.addRole(role, audit: audit) }
    }
    public func role(named name: String) async throws(CatalogError) -> RoleRecord? { try await read { (tx) throws(CatalogError) in try await tx.role(named: name) } }
    public func roles() async throws(CatalogError) -> [RoleRecord] { try await read { (tx) throws(CatalogError) in try await tx.roles() } }
    public func setRoleKey(_ name: String, publicKey: [UInt8], keyID: String, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.setRoleKey(name, publicKey: publicKey, keyID: keyID, audit: audit) }
    }
    public func wrapsToRotate(role: String, notKeyID keyID: String, limit: Int) async throws(CatalogError) -> [WrapRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.wrapsToRotate(role: role, notKeyID: keyID, limit: limit) }
    }
    public func replaceWraps(_ wraps: [WrapRecord]) async throws(CatalogError) -> Int { try await write { (tx) throws(CatalogError) in try await tx.replaceWraps(wraps) } }
    public func wraps(after: (recording: RecordingID, role: String)?, limit: Int) async throws(CatalogError) -> [WrapRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.wraps(after: after, limit: limit) }
    }
    public func keyIDsInUse(role: String) async throws(CatalogError) -> Set<String> { try await read { (tx) throws(CatalogError) in try await tx.keyIDsInUse(role: role) } }
    public func upsertPatient(_ patient: PatientRecord) async throws(CatalogError) { try await write { (tx) throws(CatalogError) in try await tx.upsertPatient(patient) } }
    public func patient(_ pseudonym: String) async throws(CatalogError) -> PatientRecord? { try await read { (tx) throws(CatalogError) in try await tx.patient(pseudonym) } }
    public func consents(session: String) async throws(CatalogError) -> [ConsentRecord] { try await read { (tx) throws(CatalogError) in try await tx.consents(session: session) } }
    public func consentRegister(session: String) async throws(CatalogError) -> ConsentRegister {
        try await read { (tx) throws(CatalogError) in try await tx.consentRegister(session: session) }
    }
    public func consentSessions() async throws(CatalogError) -> [(session: String, sealed: Bool)] {
        try await read { (tx) throws(CatalogError) in try await tx.consentSessions() }
    }
    public func sealConsentRegisters(_ sessions: [String], seal: ConsentSealer, audit: AuditDraft) async throws(CatalogError) -> Int {
        try await write { (tx) throws(CatalogError) in try await tx.sealConsentRegisters(sessions, seal: seal, audit: audit) }
    }
    @discardableResult
    public func changeConsent(_ change: ConsentChange) async throws(CatalogError) -> Int { try await write { (tx) throws(CatalogError) in try await tx.changeConsent(change) } }
    public func beginStaging(_ staging: StagingRecord) async throws(CatalogError) { try await write { (tx) throws(CatalogError) in try await tx.beginStaging(staging) } }
    public func stagingRecords() async throws(CatalogError) -> [StagingRecord] { try await read { (tx) throws(CatalogError) in try await tx.stagingRecords() } }
    public func discardStaging(_ id: RecordingID, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.discardStaging(id, audit: audit) }
    }
    public func commitRecording(_ recording: RecordingRecord, chunks: [ChunkRecord], wraps: [WrapRecord], consentedScopes: [String]?, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.commitRecording(recording, chunks: chunks, wraps: wraps, consentedScopes: consentedScopes, audit: audit) }
    }
    public func replaceChunks(of id: RecordingID, expectedManifestTag: [UInt8], manifest: [UInt8], manifestTag: [UInt8],
                              chunks: [ChunkRecord], audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in
            try await tx.replaceChunks(of: id, expectedManifestTag: expectedManifestTag, manifest: manifest, manifestTag: manifestTag,
                                       chunks: chunks, audit: audit)
        }
    }
    public func recording(_ id: RecordingID) async throws(CatalogError) -> RecordingRecord? { try await read { (tx) throws(CatalogError) in try await tx.recording(id) } }
    public func recordings(_ filter: RecordingFilter) async throws(CatalogError) -> [RecordingRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.recordings(filter) }
    }
    public func chunks(of id: RecordingID, in range: Range<Int>) async throws(CatalogError) -> [ChunkRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.chunks(of: id, in: range) }
    }
    public func wrap(of id: RecordingID, role: String) async throws(CatalogError) -> WrapRecord? {
        try await read { (tx) throws(CatalogError) in try await tx.wrap(of: id, role: role) }
    }
    public func wrapRoles(of id: RecordingID) async throws(CatalogError) -> [String] { try await read { (tx) throws(CatalogError) in try await tx.wrapRoles(of: id) } }
    public func recordingsWrapped(for role: String, among ids: [RecordingID]) async throws(CatalogError) -> Set<RecordingID> {
        try await read { (tx) throws(CatalogError) in try await tx.recordingsWrapped(for: role, among: ids) }
    }
    public func knownRecordings(among ids: [RecordingID]) async throws(CatalogError) -> Set<RecordingID> {
        try await read { (tx) throws(CatalogError) in try await tx.knownRecordings(among: ids) }
    }
    public func auditEntries(after: Int64, limit: Int) async throws(CatalogError) -> [AuditEntry] {
        try await read { (tx) throws(CatalogError) in try await tx.auditEntries(after: after, limit: limit) }
    }
    public func withdrawConsent(session: String, scope: String, withdrawnOn: CivilDate, recordedAt: Date, revokeRoles: [String], dueUpdates: [DueDateUpdate], seal: ConsentSealer?, audit: AuditDraft) async throws(CatalogError) -> [WrapRecord] {
        try await write { (tx) throws(CatalogError) in try await tx.withdrawConsent(session: session, scope: scope, withdrawnOn: withdrawnOn, recordedAt: recordedAt, revokeRoles: revokeRoles, dueUpdates: dueUpdates, seal: seal, audit: audit) }
    }
    public func updateDueDates(_ updates: [DueDateUpdate], patient: PatientRecord?, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.updateDueDates(updates, patient: patient, audit: audit) }
    }
    public func placeHold(_ hold: HoldRecord, audit: AuditDraft) async throws(CatalogError) -> Int64 {
        try await write { (tx) throws(CatalogError) in try await tx.placeHold(hold, audit: audit) }
    }
    public func releaseHold(_ id: Int64, by: String, at: Date, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.releaseHold(id, by: by, at: at, audit: audit) }
    }
    public func holds(includeReleased: Bool) async throws(CatalogError) -> [HoldRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.holds(includeReleased: includeReleased) }
    }
    public func isHeld(_ id: RecordingID) async throws(CatalogError) -> Bool { try await read { (tx) throws(CatalogError) in try await tx.isHeld(id) } }
    public func dueSummary(on today: CivilDate) async throws(CatalogError) -> [DueSummary] { try await read { (tx) throws(CatalogError) in try await tx.dueSummary(on: today) } }
    public func destroyable(on today: CivilDate, limit: Int) async throws(CatalogError) -> [RecordingRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.destroyable(on: today, limit: limit) }
    }
    public func queueReviews(on today: CivilDate, at: Date, limit: Int) async throws(CatalogError) -> Int {
        try await write { (tx) throws(CatalogError) in try await tx.queueReviews(on: today, at: at, limit: limit) }
    }
    public func startDisposal(_ items: [(id: RecordingID, authorisedBy: String)], at: Date, actor: String) async throws(CatalogError) -> DisposalStart {
        try await write { (tx) throws(CatalogError) in try await tx.startDisposal(items, at: at, actor: actor) }
    }
    public func disposing(after: RecordingID?, limit: Int) async throws(CatalogError) -> [RecordingRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.disposing(after: after, limit: limit) }
    }
    public func finishDisposal(_ records: [DestructionRecord], actor: String) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.finishDisposal(records, actor: actor) }
    }
    public func destructionRecords(since: Date?, limit: Int) async throws(CatalogError) -> [DestructionRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.destructionRecords(since: since, limit: limit) }
    }
    public func dispositions(status: DispositionRecord.Status?) async throws(CatalogError) -> [DispositionRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.dispositions(status: status) }
    }
    public func reopenDisposition(_ id: RecordingID, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.reopenDisposition(id, audit: audit) }
    }
    public func decideDisposition(_ id: RecordingID, approve: Bool, extendUntil: CivilDate?, reason: String?, by: String, at: Date, signature: [UInt8]?, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.decideDisposition(id, approve: approve, extendUntil: extendUntil, reason: reason, by: by, at: at, signature: signature, audit: audit) }
    }
    public func retentionExtensions(of id: RecordingID) async throws(CatalogError) -> [RetentionExtension] {
        try await read { (tx) throws(CatalogError) in try await tx.retentionExtensions(of: id) }
    }
    public func auditEntries(matching filter: AuditFilter) async throws(CatalogError) -> [AuditEntry] {
        try await read { (tx) throws(CatalogError) in try await tx.auditEntries(matching: filter) }
    }
    public func auditHead() async throws(CatalogError) -> AuditEntry? { try await read { (tx) throws(CatalogError) in try await tx.auditHead() } }
    public func addCheckpoint(_ checkpoint: AuditCheckpoint) async throws(CatalogError) { try await write { (tx) throws(CatalogError) in try await tx.addCheckpoint(checkpoint) } }
    public func checkpoints() async throws(CatalogError) -> [AuditCheckpoint] { try await read { (tx) throws(CatalogError) in try await tx.checkpoints() } }
    public func liveRecordingsWithoutWraps(limit: Int) async throws(CatalogError) -> [RecordingID] {
        try await read { (tx) throws(CatalogError) in try await tx.liveRecordingsWithoutWraps(limit: limit) }
    }
    public func wrapsOfRecordingsNotLive(limit: Int) async throws(CatalogError) -> [WrapRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.wrapsOfRecordingsNotLive(limit: limit) }
    }
    public func deleteWrapsOfRecordingsNotLive(audit: AuditDraft) async throws(CatalogError) -> Int {
        try await write { (tx) throws(CatalogError) in try await tx.deleteWrapsOfRecordingsNotLive(audit: audit) }
    }
    public func addRequest(_ request: RequestRecord, events: [RequestEvent], audit: AuditDraft) async throws(CatalogError) -> Int64 {
        try await write { (tx) throws(CatalogError) in try await tx.addRequest(request, events: events, audit: audit) }
    }
    public func requests(openOnly: Bool) async throws(CatalogError) -> [RequestRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.requests(openOnly: openOnly) }
    }
    public func request(_ id: Int64) async throws(CatalogError) -> RequestRecord? { try await read { (tx) throws(CatalogError) in try await tx.request(id) } }
    public func requestEvents(_ id: Int64) async throws(CatalogError) -> [RequestEvent] { try await read { (tx) throws(CatalogError) in try await tx.requestEvents(id) } }
    public func recordRequestEvent(_ event: RequestEvent, updating updated: RequestRecord, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.recordRequestEvent(event, updating: updated, audit: audit) }
    }
    public func monthlyCounts(_ measure: AggregateMeasure, from: CivilDate, to: CivilDate) async throws(CatalogError) -> [MonthlyCount] {
        try await read { (tx) throws(CatalogError) in try await tx.monthlyCounts(measure, from: from, to: to) }
    }
    public func addAccessReview(_ review: AccessReviewRecord, audit: AuditDraft) async throws(CatalogError) -> Int64 {
        try await write { (tx) throws(CatalogError) in try await tx.addAccessReview(review, audit: audit) }
    }
    public func accessReview(_ id: Int64) async throws(CatalogError) -> AccessReviewRecord? { try await read { (tx) throws(CatalogError) in try await tx.accessReview(id) } }
    public func accessReviews(patient: String?) async throws(CatalogError) -> [AccessReviewRecord] {
        try await read { (tx) throws(CatalogError) in try await tx.accessReviews(patient: patient) }
    }
    public func updateAccessReview(_ review: AccessReviewRecord, expectedRevision: Int64, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.updateAccessReview(review, expectedRevision: expectedRevision, audit: audit) }
    }
    public func addUser(_ user: UserRecord, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.addUser(user, audit: audit) }
    }
    public func user(named name: String) async throws(CatalogError) -> UserRecord? { try await read { (tx) throws(CatalogError) in try await tx.user(named: name) } }
    public func user(tokenHash: [UInt8]) async throws(CatalogError) -> UserRecord? { try await read { (tx) throws(CatalogError) in try await tx.user(tokenHash: tokenHash) } }
    public func users() async throws(CatalogError) -> [UserRecord] { try await read { (tx) throws(CatalogError) in try await tx.users() } }
    public func revokeUser(_ name: String, at: Date, audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.revokeUser(name, at: at, audit: audit) }
    }
    public func setUserEnrolment(_ name: String, enrolment: [UInt8], audit: AuditDraft) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.setUserEnrolment(name, enrolment: enrolment, audit: audit) }
    }
    public func setMediaFacts(_ id: RecordingID, _ facts: MediaFacts) async throws(CatalogError) {
        try await write { (tx) throws(CatalogError) in try await tx.setMediaFacts(id, facts) }
    }
}
