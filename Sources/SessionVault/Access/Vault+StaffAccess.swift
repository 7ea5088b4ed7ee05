public import Foundation
import VaultIndex

/// How staff reach recordings through a service: the token that names them, the care list that
/// decides which patients' recordings they may reach, and the audit entry each access leaves.
/// A recording a user may not reach is answered exactly like one that does not exist.
extension Vault {
    /// The active user this access token belongs to, or nil. The token is looked up by its hash,
    /// then the stored hash is compared again in constant time; a revoked user is nil at once.
    public func authenticate(token: String) async throws(VaultError) -> UserRecord? {
        try await vaultBoundary {
            guard AccessToken.isWellFormed(token),
                  let user = try await catalog.user(tokenHash: AccessToken.hash(token)),
                  user.isActive, AccessToken.matches(storedHash: user.tokenHash, token: token) else { return nil }
            return user
        }
    }

    /// Every service user, revoked ones included.
    public func users() async throws(VaultError) -> [UserRecord] {
        try await vaultBoundary {
            try await catalog.users()
        }
    }

    /// Whether the catalog answers (a health check; reads nothing about any recording).
    public func catalogAnswers() async -> Bool {
        (try? await catalog.schemaVersion()) != nil
    }

    /// Live recordings `user` may see (care list, or an unrestricted role, and a wrap for their
    /// role), newest first. Reads only; ``listRecordings(for:filter:limit:policy:)`` is the audited list.
    public func visibleRecordings(for user: UserRecord, filter: RecordingFilter, policy: CarePolicy) async throws(VaultError) -> [RecordingRecord] {
        try await vaultBoundary {
            var found: [RecordingRecord] = []
            if policy.unrestrictedRoles.contains(user.role) {
                found = try await catalog.recordings(filter)
            } else {
                let patients = filter.patient.map { user.patients.contains($0) ? [$0] : [] } ?? user.patients
                for patient in patients {
                    var byPatient = filter
                    byPatient.patient = patient
                    found += try await catalog.recordings(byPatient)
                }
            }
            let live = found.filter { $0.state == .live }
            let wrapped = try await catalog.recordingsWrapped(for: user.role, among: live.map(\.id))
            return live.filter { wrapped.contains($0.id) }
                .sorted { ($0.createdAt, $0.id.description) > ($1.createdAt, $1.id.description) }
        }
    }

    /// At most `limit` of the recordings the caller may see, each with its session's consented
    /// scopes. The listing is audited (how many, not which).
    public func listRecordings(for request: StaffRequest, filter: RecordingFilter, limit: Int, policy: CarePolicy) async throws(VaultError) -> [StaffListing] {
        try await vaultBoundary {
            let records = try await visibleRecordings(for: request.user, filter: filter, policy: policy).prefix(limit)
            var scopesBySession: [String: [String]] = [:]
            var listings: [StaffListing] = []
            for record in records {
                if scopesBySession[record.session] == nil {
                    scopesBySession[record.session] = try await activeScopes(session: record.session)
                }
                listings.append(StaffListing(record: record, scopes: scopesBySession[record.session] ?? []))
            }
            try await catalog.appendAudit(AuditDraft(actor: request.actor, role: request.role, action: .list, purpose: "care",
                                                     detail: "\(listings.count) recording(s) listed"))
            return listings
        }
    }

    /// The live recording `idText` names, if the request may reach it: its patient is on the
    /// caller's care list, or the request is break-glass. Anything else throws
    /// ``VaultError/recordingNotFound(_:)``, the same as a recording that does not exist; a refusal
    /// of a real recording is audited under `action`.
    public func reach(_ idText: String, for request: StaffRequest, action: AuditAction, policy: CarePolicy) async throws(VaultError) -> RecordingRecord {
        try await vaultBoundary {
            guard let id = RecordingID(idText) else { throw VaultError.recordingNotFound(idText) }
            guard let record = try await catalog.recording(id), record.state == .live else {
                try await recordRefusal(action, target: id.description, by: request, reason: "no such live recording")
                throw VaultError.recordingNotFound(idText)
            }
            if !policy.covers(request.user, patient: record.patient), !request.breakGlass {
                try await recordRefusal(action, target: id.description, by: request, reason: "patient not on the user's care list")
                throw VaultError.recordingNotFound(idText)
            }
            return record
        }
    }

    /// Whether the recording is still live (a sweep may shred it while a request is answered).
    public func isLive(_ id: RecordingID) async throws(VaultError) -> Bool {
        try await vaultBoundary {
            try await catalog.recording(id)?.state == .live
        }
    }

    /// Whether `role` holds a wrap of the recording (reads only; ``requireWrap(_:role:actor:purpose:)`` audits a refusal).
    public func holdsWrap(_ id: RecordingID, role: String) async throws(VaultError) -> Bool {
        try await vaultBoundary {
            try await catalog.wrap(of: id, role: role) != nil
        }
    }

    /// The newest stored review copy made from the recording, if any.
    public func reviewCopy(of id: RecordingID) async throws(VaultError) -> RecordingRecord? {
        try await vaultBoundary {
            try await catalog.recordings(RecordingFilter(source: id)).max { $0.createdAt < $1.createdAt }
        }
    }

    /// A reached recording's consents, wraps, hold and review copy, for a caller whose role holds
    /// a wrap of it (else ``VaultError/noWrap(role:recording:scopes:)``, audited). Throws
    /// ``VaultError/notLive(recording:state:)`` if a sweep shredded it meanwhile: shredding deletes
    /// the wraps and ends the live state in one transaction, so wraps read while it is still live
    /// are complete. The access is audited.
    public func recordingDetail(_ record: RecordingRecord, for request: StaffRequest) async throws(VaultError) -> RecordingDetail {
        try await vaultBoundary {
            _ = try await requireWrap(record.id, role: request.role, actor: request.actor, purpose: request.purpose)
            let consents = try await consents(of: record.session)
            let review = try await reviewCopy(of: record.id)
            let wrappedFor = try await catalog.wrapRoles(of: record.id).sorted()
            let held = try await catalog.isHeld(record.id)
            _ = try await liveRecording(record.id)
            try await catalog.appendAudit(AuditDraft(actor: request.actor, role: request.role, action: .metadata, target: record.id.description,
                                                     purpose: request.purpose, detail: request.flag))
            return RecordingDetail(record: record, consents: consents, scopes: Array(Set(consents.filter(\.isActive).map(\.scope))).sorted(),
                                   wrappedFor: wrappedFor, held: held, reviewCopy: review)
        }
    }

    /// The audit entries that name a reached recording (the newest `limit`), for a caller whose
    /// role holds a wrap of it. Viewing them is itself audited.
    public func auditTrail(of record: RecordingRecord, for request: StaffRequest, limit: Int = 1000) async throws(VaultError) -> [AuditEntry] {
        try await vaultBoundary {
            _ = try await requireWrap(record.id, role: request.role, actor: request.actor, purpose: request.purpose)
            let entries = Array(try await auditLog(recording: record.id).suffix(limit))
            try await catalog.appendAudit(AuditDraft(actor: request.actor, role: request.role, action: .auditView, target: record.id.description,
                                                     purpose: request.purpose, detail: request.flag))
            return entries
        }
    }

    /// Refuses an upload by a role the configuration does not allow to upload (`[server]
    /// upload_roles`, clinicians by default), or to a session whose patient is not on the caller's
    /// care list; both audited. The consent gate itself is ingest's. A session with no active
    /// consent passes here.
    public func requireCare(ofSession session: String, for request: StaffRequest, policy: CarePolicy) async throws(VaultError) {
        try await vaultBoundary {
            guard config.uploadRoles.contains(request.role) else {
                try await recordRefusal(.ingest, target: session, by: request, reason: "role '\(request.role)' may not upload", statingPurpose: false)
                throw VaultError.uploadNotAllowed(role: request.role, allowed: config.uploadRoles)
            }
            let consents = try await consents(of: session).filter(\.isActive)
            if let patient = consents.first?.patient, !policy.covers(request.user, patient: patient) {
                try await recordRefusal(.ingest, target: session, by: request, reason: "session's patient not on the user's care list", statingPurpose: false)
                throw VaultError.notOnCareList(session: session)
            }
        }
    }

    /// Records a refusal the service decided itself (a range outside the recording, too many
    /// streams, a role this service does not hold): every refused access is in the audit trail.
    public func recordRefusal(_ action: AuditAction, target: String, by request: StaffRequest, reason: String, statingPurpose: Bool = true) async throws(VaultError) {
        try await vaultBoundary {
            try await catalog.appendAudit(AuditDraft(actor: request.actor, role: request.role, action: action, target: target,
                                                     purpose: statingPurpose ? request.purpose : nil, outcome: "refused", detail: reason))
        }
    }
}
