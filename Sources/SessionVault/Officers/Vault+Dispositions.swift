public import Foundation
import Retention
import VaultCrypto
public import VaultIndex

extension Vault {
    /// The exact bytes an officer signs for a review decision.
    static func dispositionMessage(vaultID: String, recording: RecordingID, approve: Bool, dueOn: String, extendUntil: String?,
                                   decidedAtMillis: Int64, officer: String, reason: String?) -> [UInt8] {
        var bytes = Array("sessionvault.disposition.v1\u{0}".utf8)
        bytes += Array(vaultID.utf8) + [0]
        bytes += recording.bytes
        bytes += Array((approve ? "approve" : "extend").utf8) + [0]
        bytes += Array(dueOn.utf8) + [0]
        bytes += Array((extendUntil ?? "").utf8) + [0]
        withUnsafeBytes(of: decidedAtMillis.bigEndian) { bytes += $0 }
        bytes += Array(officer.utf8) + [0]
        bytes += Array((reason ?? "").utf8)
        return bytes
    }

    /// A records officer's decision on a recording waiting for review: approve its destruction
    /// (the next sweep destroys it, after verifying the signature) or keep it until a later day.
    /// The decision is signed with the officer's key and the signature kept with it.
    public func decideDisposition(_ id: RecordingID, approve: Bool, extendUntil: String? = nil, reason: String?, by officer: Officer) async throws(VaultError) {
        try await vaultBoundary {
            _ = try await authorize(.officer(officer), for: approve ? .approveDisposal : .extendRetention)
            try AuditText.check(reason, field: "disposition reason")
            guard let pending = try await catalog.dispositions(status: .pending).first(where: { $0.recording == id }) else {
                throw VaultError.invalidArgument("recording \(id) is not waiting for review")
            }
            if !approve {
                guard let extendUntil, let until = CivilDate(extendUntil), until > CivilDate(clock()) else {
                    throw VaultError.invalidArgument("an extension needs a date after today (YYYY-MM-DD)")
                }
                guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw VaultError.invalidArgument("an extension needs a reason")
                }
            }
            let (decidedAt, signature) = officer.signDecision(at: clock()) { millis in
                Self.dispositionMessage(vaultID: config.vaultID, recording: id, approve: approve, dueOn: pending.dueOn.description,
                                        extendUntil: approve ? nil : extendUntil, decidedAtMillis: millis, officer: officer.actor, reason: reason)
            }
            let action: AuditAction = approve ? .dispositionApprove : .dispositionExtend
            let detail = approve ? (reason ?? "approved") : "until \(extendUntil ?? ""): \(reason ?? "")"
            try await catalog.decideDisposition(id, approve: approve, extendUntil: approve ? nil : extendUntil.flatMap(CivilDate.init), reason: reason, by: officer.actor,
                                                at: decidedAt, signature: signature,
                                                audit: AuditDraft(actor: officer.actor, role: officer.role, action: action, target: id.description,
                                                                  detail: detail + "; signed"))
        }
    }

    /// Who authorised the destruction of an approved review, if the approval verifies: signed by
    /// the officer it names, with the key the catalog holds for that officer, whose role may approve,
    /// who was not revoked before the decision. Otherwise the reason it does not.
    func verifyApproval(_ decision: DispositionRecord) async throws -> Result<String, OfficerSignatureRefusal> {
        let by = decision.decidedBy ?? "nobody"
        let verified = try await verifyOfficerSignature(by: decision.decidedBy, at: decision.decidedAt, signature: decision.signature,
                                                        privilege: .approveDisposal) { millis in
            Self.dispositionMessage(vaultID: config.vaultID, recording: decision.recording, approve: true, dueOn: decision.dueOn.description,
                                    extendUntil: nil, decidedAtMillis: millis, officer: by, reason: decision.reason)
        }
        // Everything the signature covers is in the destruction record (its due date and reason beside
        // this text), so the record alone lets anyone check the approval later.
        return verified.map { key in
            let millis = Self.signatureMillis(decision.decidedAt ?? Date(timeIntervalSince1970: 0))
            return "review approved by \(by) at \(millis) ms (ed25519 key \(Hex.encode(key)), signature \(Hex.encode(Array((decision.signature ?? []).suffix(64)))))"
        }
    }
}

