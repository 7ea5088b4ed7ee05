import Foundation
import VaultCrypto

extension Officer {
    /// Signs a decision made at `now`. The time, to the millisecond, is part of the signed bytes
    /// (`message` builds them from it), so that a verifier rebuilds the same bytes from the time
    /// the catalog keeps. Returns that time and the public key followed by the signature (96
    /// bytes), as the catalog keeps them.
    func signDecision(at now: Date, _ message: (_ atMillis: Int64) -> [UInt8]) -> (at: Date, signature: [UInt8]) {
        let millis = Vault.signatureMillis(now)
        return (Date(timeIntervalSince1970: Double(millis) / 1000), publicKey + sign(message(millis)))
    }
}

extension Vault {
    /// The millisecond a signed decision's time is counted in.
    static func signatureMillis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// Checks a decision an officer signed (an approved destruction, a signed-off subject-access
    /// release): made by `officer:NAME`, signed with the key the catalog holds for that user, whose
    /// role may do `privilege`, who was not revoked by the time of the decision, over the bytes
    /// `message` rebuilds from that time. Returns the signer's public key, or why it cannot be trusted.
    func verifyOfficerSignature(by: String?, at: Date?, signature: [UInt8]?, privilege: OfficerPrivilege,
                                message: (_ atMillis: Int64) -> [UInt8]) async throws -> Result<[UInt8], OfficerSignatureRefusal> {
        guard let by, by.hasPrefix("officer:"), let at else {
            return .failure(OfficerSignatureRefusal(reason: "made by '\(by ?? "nobody")', not by an officer"))
        }
        guard let signature, signature.count == 96 else { return .failure(OfficerSignatureRefusal(reason: "it is not signed")) }
        let name = String(by.dropFirst("officer:".count))
        guard let user = try await catalog.user(named: name), let key = user.signingKey else {
            return .failure(OfficerSignatureRefusal(reason: "\(by) is not an officer of this vault"))
        }
        guard Array(signature.prefix(32)) == key else { return .failure(OfficerSignatureRefusal(reason: "signed with a key that is not \(by)'s")) }
        guard privilege.allowedRoles.contains(user.role) else {
            return .failure(OfficerSignatureRefusal(reason: "\(by) (role \(user.role)) may not \(privilege.rawValue)"))
        }
        if let revoked = user.revokedAt, revoked <= at {
            return .failure(OfficerSignatureRefusal(reason: "\(by) had been revoked when it was signed"))
        }
        if let reason = try await enrolmentRefusal(of: user) {
            return .failure(OfficerSignatureRefusal(reason: "\(by) is not anchored: \(reason)"))
        }
        guard SigningKeyPair.verify(signature: Array(signature.suffix(64)), message: message(Self.signatureMillis(at)), publicKey: key) else {
            return .failure(OfficerSignatureRefusal(reason: "the signature does not verify (what was signed has been altered since)"))
        }
        return .success(key)
    }
}

/// Why an officer's signed decision is not acted on.
struct OfficerSignatureRefusal: Error {
    var reason: String
}
