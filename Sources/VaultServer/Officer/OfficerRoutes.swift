import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SessionVault
import VaultCrypto

/// `/api/officer/...`: the records officer's view of the web page. Reads are for users whose role
/// may do the officer's acts; each act proves the signed-in user as an officer with their own
/// passphrase, sent with that act (step-up: never kept, never logged), through the same `Vault`
/// operations and proofs as the CLI, which audit it. A user acts only as themselves: the officer's
/// name is the authenticated user's, never taken from the request.
///
/// - `GET  officer/dispositions`: recordings waiting for review.
/// - `POST officer/dispositions/{id}/approve` `{passphrase, reason?}`
/// - `POST officer/dispositions/{id}/extend` `{passphrase, until, reason}`
/// - `GET  officer/holds`: active holds.
/// - `POST officer/holds` `{passphrase, recording | patient, reason, ref}`
/// - `POST officer/holds/{id}/release` `{passphrase, reason?}`
/// - `GET  officer/requests`: the SAR/FOI register, overdue first, with days left.
/// - `POST officer/exports` `{passphrase, patient}`: drafts a subject-access review (the first step of an export).
struct OfficerRoutes: Sendable {
    let vault: Vault
    static let maxBodyBytes = 16 << 10

    /// Whether the user's role may do the records officer's acts (the vault's own privilege rule).
    static func mayUseOfficerView(_ user: UserRecord) -> Bool {
        OfficerPrivilege.approveDisposal.allowedRoles.contains(user.role)
    }

    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("officer/dispositions") { _, context -> Response in
            _ = try Self.officerUser(context, for: .approveDisposal)
            let rows = try await vault.dispositions(status: .pending).map(DispositionJSON.init)
            return try JSONResponse.make(ListJSON(count: rows.count, items: rows))
        }
        group.post("officer/dispositions/:id/approve") { request, context -> Response in
            let id = try Self.recordingID(try context.parameters.require("id"))
            return try await act(request, context, for: .approveDisposal) { officer, body in
                try await vault.decideDisposition(id, approve: true, reason: body.reason, by: officer)
                return OfficerActJSON(done: "Approved the destruction of \(id); the next sweep destroys it.", by: officer.actor)
            }
        }
        group.post("officer/dispositions/:id/extend") { request, context -> Response in
            let id = try Self.recordingID(try context.parameters.require("id"))
            return try await act(request, context, for: .extendRetention) { officer, body in
                try await vault.decideDisposition(id, approve: false, extendUntil: body.until, reason: body.reason, by: officer)
                return OfficerActJSON(done: "Kept \(id) until \(body.until ?? "").", by: officer.actor)
            }
        }
        group.get("officer/holds") { _, context -> Response in
            _ = try Self.officerUser(context, for: .placeHold)
            let rows = try await vault.holds(includeReleased: false).map(HoldJSON.init)
            return try JSONResponse.make(ListJSON(count: rows.count, items: rows))
        }
        group.post("officer/holds") { request, context -> Response in
            try await act(request, context, for: .placeHold) { officer, body in
                let recording = try body.recording.flatMap { $0.isEmpty ? nil : $0 }.map(Self.recordingID)
                let patient = body.patient.flatMap { $0.isEmpty ? nil : $0 }
                let id = try await vault.placeHold(recording: recording, patient: patient, vaultPassphrase: nil, reason: body.reason ?? "",
                                                   caseRef: body.ref ?? "", by: .officer(officer))
                return OfficerActJSON(done: "Placed hold \(id).", by: officer.actor, hold: id)
            }
        }
        group.post("officer/holds/:id/release") { request, context -> Response in
            guard let id = Int64(try context.parameters.require("id")) else { throw APIError(.badRequest, "a hold id is a number") }
            return try await act(request, context, for: .releaseHold) { officer, body in
                try await vault.releaseHold(id, reason: body.reason, by: .officer(officer))
                return OfficerActJSON(done: "Released hold \(id).", by: officer.actor, hold: id)
            }
        }
        group.get("officer/requests") { _, context -> Response in
            _ = try Self.officerUser(context, for: .requests)
            let rows = try await vault.requestRegister(includeClosed: false)
            return try JSONResponse.make(ListJSON(count: rows.count, items: rows))
        }
        group.post("officer/exports") { request, context -> Response in
            try await act(request, context, for: .export) { officer, body in
                let review = try await vault.draftSubjectAccessReview(patient: body.patient ?? "", vaultPassphrase: nil, by: .officer(officer))
                let flagged = review.items.filter { $0.flag != nil }.count
                return OfficerActJSON(done: "Drafted subject-access review \(review.id ?? 0): \(review.items.count) item(s), \(flagged) flagged for "
                                      + "a decision. The decisions, the health professional's opinion, the sign-off and the bundle are done "
                                      + "with the sessionvault command (see the operations guide).",
                                      by: officer.actor, review: review.id)
            }
        }
    }

    /// An officer's act: the caller's role may do it, the body is read, the caller proves they are
    /// the officer with their passphrase (the vault audits a refusal), and `perform` does the act.
    func act(_ request: Request, _ context: APIRequestContext, for privilege: OfficerPrivilege,
             _ perform: (Officer, OfficerActBody) async throws -> OfficerActJSON) async throws -> Response {
        let user = try Self.officerUser(context, for: privilege)
        var body = try await Self.readBody(request)
        guard !body.passphrase.isEmpty else { throw APIError(.badRequest, "your officer passphrase is required for this act", code: "passphrase-missing") }
        let secret = try SecureBytes(copying: body.passphrase.utf8)
        body.passphrase = ""
        // The name is the signed-in user's own: nobody acts as another officer from the page.
        let officer = try await vault.proveOfficer(user.name, passphrase: secret, for: privilege)
        return try JSONResponse.make(try await perform(officer, body))
    }

    /// The authenticated user, if their role may do `privilege`.
    static func officerUser(_ context: APIRequestContext, for privilege: OfficerPrivilege) throws -> UserRecord {
        let user = try context.requireUser()
        guard privilege.allowedRoles.contains(user.role) else {
            throw APIError(.forbidden, "role '\(user.role)' may not \(privilege.rawValue)", code: "not-an-officer")
        }
        return user
    }

    /// The JSON body, decoded in place; the request's bytes are zeroed once read (they hold the passphrase).
    static func readBody(_ request: Request) async throws -> OfficerActBody {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw APIError(.unsupportedMediaType, "send the act as application/json")
        }
        var buffer = try await request.body.collect(upTo: maxBodyBytes)
        let decoded: OfficerActBody? = buffer.withUnsafeMutableReadableBytes { raw in
            defer { if raw.count > 0 { raw.initializeMemory(as: UInt8.self, repeating: 0) } }
            guard let base = raw.baseAddress, raw.count > 0 else { return nil }
            return try? JSONDecoder().decode(OfficerActBody.self, from: Data(bytesNoCopy: base, count: raw.count, deallocator: .none))
        }
        guard let decoded else { throw APIError(.badRequest, "the act must be a JSON object with the officer's passphrase") }
        return decoded
    }

    static func recordingID(_ text: String) throws -> RecordingID {
        guard let id = RecordingID(text) else { throw APIError(.badRequest, "'\(text.prefix(64))' is not a recording id") }
        return id
    }
}
