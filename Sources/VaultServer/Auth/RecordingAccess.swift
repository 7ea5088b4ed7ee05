import Foundation
import Logging
import SessionVault

/// The service's side of reaching a recording: the vault decides (care list, break-glass, wraps)
/// and audits; this answers in HTTP's words. A recording the caller may not reach is answered
/// exactly like one that does not exist.
struct RecordingAccess: Sendable {
    let vault: Vault
    let keychain: RoleKeychain
    let policy: CarePolicy
    let logger: Logger

    /// The live recording `idText` if the caller may reach it (care list or break-glass), else a
    /// 404 that says nothing more. A break-glass reach is also logged as a warning.
    func resolve(_ idText: String, request: StaffRequest, action: AuditAction) async throws -> RecordingRecord {
        let reached: Result<RecordingRecord, VaultError>
        do {
            reached = .success(try await vault.reach(idText, for: request, action: action, policy: policy))
        } catch {
            reached = .failure(error)
        }
        if case .failure(let error) = reached, error.code == .recordingNotFound { throw APIError.notFound(idText) }
        let record = try reached.get()
        if request.breakGlass, !policy.covers(request.user, patient: record.patient) {
            logger.warning("break-glass access", metadata: ["user": .string(request.user.name), "recording": .string(record.id.description),
                                                            "action": .string(action.rawValue)])
        }
        return record
    }

    /// Runs a vault call about a reached recording, answering a missing wrap with a 403 naming the
    /// consented scopes, unless the recording has been shredded since it was reached (then it no
    /// longer exists: 404).
    func answering<T>(_ record: RecordingRecord, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as VaultError {
            switch error.code {
            case .noWrap:
                try await requireStillLive(record)
                let scopes = error.names
                throw APIError(.forbidden, "role '\(error.subject ?? "")' holds no key for this recording (consented scopes: \(scopes.isEmpty ? "none" : scopes.joined(separator: ", ")))")
            case .notLive, .recordingNotFound:
                throw APIError.notFound(record.id.description)
            default:
                throw error
            }
        }
    }

    /// Checks that the caller's role holds a wrap (audited refusal → 403 naming the consented scopes).
    func requireWrap(_ record: RecordingRecord, request: StaffRequest) async throws {
        try await answering(record) { _ = try await vault.requireWrap(record.id, role: request.user.role, actor: request.actor, purpose: request.purpose) }
    }

    /// Opens the recording as `role` (unwrap, manifest check, audit).
    func open(_ record: RecordingRecord, as role: UnlockedRole, request: StaffRequest, detail: String?) async throws -> OpenedRecording {
        try await answering(record) { try await vault.open(record.id, as: role, actor: request.actor, purpose: request.purpose, detail: detail) }
    }

    /// A 404 if the recording is no longer live (a sweep may shred it while a request is answered).
    func requireStillLive(_ record: RecordingRecord) async throws {
        if try await !vault.isLive(record.id) { throw APIError.notFound(record.id.description) }
    }

    /// The caller's unlocked role, or an audited 403 if this service does not hold it.
    func unlockedRole(for record: RecordingRecord, request: StaffRequest) async throws -> UnlockedRole {
        guard let role = keychain.roles[request.user.role] else {
            try await vault.recordRefusal(.get, target: record.id.description, by: request, reason: "role not unlocked on this service")
            throw APIError(.forbidden, "role '\(request.user.role)' is not unlocked on this service")
        }
        return role
    }
}
