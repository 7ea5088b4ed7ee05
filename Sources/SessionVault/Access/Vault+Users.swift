import Foundation
public import VaultCrypto
import VaultIndex

/// A user just added, with the token to hand over (shown once, never stored).
public struct NewUser: Sendable {
    public var record: UserRecord
    public var token: String
}

extension Vault {
    /// Adds a service user with a new access token. `patientPseudonyms` is the care list (computed
    /// by the caller from identifiers with the vault passphrase). The role must exist.
    /// With `officerPassphrase`, the user is also an officer: an Ed25519 key is made for them,
    /// sealed under that passphrase (their own), and its public key recorded with the user.
    public func addUser(name: String, role: String, patientPseudonyms: [String], officerPassphrase: SecureBytes? = nil,
                        by authority: Authority) async throws(VaultError) -> NewUser {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .manageUsers)
            try Self.validateUserName(name)
            _ = try await requireRole(role)
            if try await catalog.user(named: name) != nil { throw VaultError.userExists(name) }
            if let officerPassphrase { try PassphraseStrength.check(officerPassphrase, for: "officer '\(name)'") }
            let (token, hash) = try AccessToken.generate()
            // An officer's enrolment is signed by the officer adding them or, for the vault's first
            // officer (added unproven, during set-up), by themselves: they become the officer anchor.
            let keyPair = try officerPassphrase.map { try keyring.createSigningKey(.officer, name: name, passphrase: $0, strength: config.kdf, now: clock()) }
            let signingKey = keyPair?.publicKey
            let enrolment: [UInt8]? = keyPair.map { pair in
                let statement = enrolmentStatement(name: name, role: role, key: pair.publicKey)
                if let endorser = authority.officer { return endorser.publicKey + endorser.sign(statement) }
                return pair.publicKey + pair.sign(statement)
            }
            let record = UserRecord(name: name, role: role, tokenHash: hash, patients: patientPseudonyms, createdAt: clock(), signingKey: signingKey,
                                    enrolment: enrolment)
            do {
                try await catalog.addUser(record, audit: AuditDraft(actor: actor, role: role, action: .userAdd, target: "user:" + name,
                                                                     detail: "care list of \(Set(patientPseudonyms).count) patient(s)"
                                                                        + (signingKey.map { "; officer key \(Hex.encode($0))" } ?? "")))
            } catch {
                if signingKey != nil { removeOfficerKey(name) }
                if case .alreadyExists? = error as? CatalogError { throw VaultError.userExists(name) }
                throw error
            }
            if let signingKey {
                if authority.officer == nil, try officerAnchor() == nil, let keyPair {
                    try writeOfficerAnchor(signingKey)
                    // From now on consent needs an officer's seal: the first officer vouches for the registers as they stand.
                    _ = try await sealUnsealedConsentRegisters(as: Officer(name: name, role: role, signing: keyPair), reason: "enrolled as the first officer")
                }
                // The new officer gets a copy of the pseudonym key from the officer adding them, if they hold one.
                if let endorser = authority.officer, let key = try? await pseudonymKey(officer: endorser, vaultPassphrase: nil) {
                    _ = try await sealPseudonymKey(key, to: record)
                }
                try await requireOfficersFromNowOn()
            }
            return NewUser(record: record, token: token)
        }
    }

    /// Revokes a user's token at once; their next request is refused.
    public func revokeUser(name: String, by authority: Authority) async throws(VaultError) {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .manageUsers)
            do {
                try await catalog.revokeUser(name, at: clock(), audit: AuditDraft(actor: actor, action: .userRevoke, target: "user:" + name))
                try await removePseudonymKeyCopy(of: name)
            } catch {
                if case .notFound? = error as? CatalogError { throw VaultError.noSuchUser(name) }
                throw error
            }
        }
    }

    /// User names: 1-64 lowercase letters, digits and '-' (they appear in audit actors and as clinician names).
    static func validateUserName(_ name: String) throws {
        let allowed = name.utf8.allSatisfy { c in (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45 }
        guard !name.isEmpty, name.utf8.count <= 64, allowed, name.first != "-" else {
            throw VaultError.invalidName(what: "user name", value: name, rule: "use 1-64 lowercase letters, digits and '-', not starting with '-'")
        }
    }
}
