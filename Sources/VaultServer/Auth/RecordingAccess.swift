import Foundation
import Logging
import SessionVault
import VaultIndex

/// Who may see which recording: a user sees a live recording if its patient is on their care
/// list (or their role is unrestricted, e.g. the records officer) and their role holds a wrap of
/// it; break-glass lifts the care list (never the wrap), with a stated reason, flagged in the
/// audit trail. A recording the user may not see is answered exactly like one that does not exist.
struct RecordingAccess: Sendable {
    let vault: Vault
    let keychain: RoleKeychain
    let configuration: ServerConfiguration
    let logger: Logger

    func onCareList(_ user: UserRecord, patient: String) -> Bool {
        configuration.unrestrictedRoles.contains(user.role) || user.patients.contains(patient)
    }

    /// Live recordings the user may see (care list and wrap), newest first.
    func visibleRecordings(for user: UserRecord, filter: RecordingFilter) async throws -> [RecordingRecord] {
        var found: [RecordingRecord] = []
        if configuration.unrestrictedRoles.contains(user.role) {
            found = try await vault.catalog.recordings(filter)
        } else {
            let patients = filter.patient.map { user.patients.contains($0) ? [$0] : [] } ?? user.patients
            for patient in patients {
                var byPatient = filter
                byPatient.patient = patient
                found += try await vault.catalog.recordings(byPatient)
            }
        }
        let live = found.filter { $0.state == .live }
        let wrapped = try await vault.catalog.recordingsWrapped(for: user.role, among: live.map(\.id))
        let visible = live.filter { wrapped.contains($0.id) }
        return visible.sorted { ($0.createdAt, $0.id.description) > ($1.createdAt, $1.id.description) }
    }

    /// The live recording `idText` if the user may reach it (care list or break-glass), else a 404
    /// that says nothing more. Refusals of a real recording are audited.
    func resolve(_ idText: String, user: UserRecord, purpose: AccessPurpose, actor: String, action: String) async throws -> RecordingRecord {
        guard let id = RecordingID(idText) else { throw APIError.notFound(idText) }
        guard let record = try await vault.catalog.recording(id), record.state == .live else {
            try await vault.catalog.appendAudit(AuditDraft(actor: actor, role: user.role, action: action, target: id.description,
                                                           purpose: purpose.text, outcome: "refused", detail: "no such live recording"))
            throw APIError.notFound(idText)
        }
        if !onCareList(user, patient: record.patient) {
            guard purpose.breakGlass else {
                try await vault.catalog.appendAudit(AuditDraft(actor: actor, role: user.role, action: action, target: id.description,
                                                               purpose: purpose.text, outcome: "refused", detail: "patient not on the user's care list"))
                throw APIError.notFound(idText)
            }
            logger.warning("break-glass access", metadata: ["user": .string(user.name), "recording": .string(id.description), "action": .string(action)])
        }
        return record
    }

    /// Checks that the user's role holds a wrap (audited refusal → 403 naming the consented scopes).
    func requireWrap(_ record: RecordingRecord, user: UserRecord, purpose: AccessPurpose, actor: String) async throws {
        do {
            _ = try await vault.requireWrap(record.id, role: user.role, actor: actor, purpose: purpose.text)
        } catch let error as VaultError {
            throw try await answer(error, for: record)
        }
    }

    /// Opens the recording as `role` (unwrap, manifest check, audit). A wrap gone since the checks
    /// is answered as ``requireWrap(_:user:purpose:actor:)`` answers it.
    func open(_ record: RecordingRecord, as role: UnlockedRole, purpose: AccessPurpose, actor: String, detail: String?) async throws -> OpenedRecording {
        do {
            return try await vault.open(record.id, as: role, actor: actor, purpose: purpose.text, detail: detail)
        } catch let error as VaultError {
            throw try await answer(error, for: record)
        }
    }

    /// A 404 if the recording is no longer live. A sweep may shred a recording between the checks
    /// of a request and its answer; shredding deletes the wraps and leaves the live state in one
    /// transaction, so what was read of its wraps before this check returned is complete.
    func requireStillLive(_ record: RecordingRecord) async throws {
        if try await vault.catalog.recording(record.id)?.state != .live { throw APIError.notFound(record.id.description) }
    }

    /// How a refusal from the vault is answered: a missing wrap is a 403 naming the consented
    /// scopes, unless the recording has been shredded since it was resolved (then it no longer exists).
    private func answer(_ error: VaultError, for record: RecordingRecord) async throws -> any Error {
        guard case .noWrap(let role, _, let scopes) = error else { return error }
        try await requireStillLive(record)
        return APIError(.forbidden, "role '\(role)' holds no key for this recording (consented scopes: \(scopes.isEmpty ? "none" : scopes.joined(separator: ", ")))")
    }

    /// The user's unlocked role, or an audited 403 if this service does not hold it.
    func unlockedRole(for user: UserRecord, record: RecordingRecord, purpose: AccessPurpose, actor: String) async throws -> UnlockedRole {
        guard let role = keychain.roles[user.role] else {
            try await vault.catalog.appendAudit(AuditDraft(actor: actor, role: user.role, action: "get", target: record.id.description,
                                                           purpose: purpose.text, outcome: "refused", detail: "role not unlocked on this service"))
            throw APIError(.forbidden, "role '\(user.role)' is not unlocked on this service")
        }
        return role
    }
}
