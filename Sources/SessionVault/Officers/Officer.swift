public import Foundation
public import VaultCrypto
import VaultIndex

/// A privileged act, and the roles whose officers may do it.
public enum OfficerPrivilege: String, Sendable, CaseIterable {
    case approveDisposal = "approve a destruction"
    case extendRetention = "extend a retention period"
    case placeHold = "place a legal hold"
    case releaseHold = "release a legal hold"
    case patientEvent = "record a patient event"
    case consent = "record or withdraw consent"
    case manageRoles = "add or rotate a role"
    case manageUsers = "add or revoke a user"
    case export = "export a subject-access or FOI bundle"
    case requests = "change the request register"
    case adoptSchedule = "adopt the retention schedule (fsck --repair)"
    case upgradeFormat = "rewrite recordings in the current chunk format (fsck --upgrade)"
    case lookUpPatient = "look up a patient by identifier"

    /// The user roles whose officers may do it. Consent is recorded by the treating team too.
    public var allowedRoles: Set<String> {
        switch self {
        case .consent, .lookUpPatient: return ["records-officer", "clinician"]
        default: return ["records-officer"]
        }
    }
}

/// A named member of staff who has proved who they are for one privileged act: their user record
/// in the catalog (active, with a role allowed the act) and their own Ed25519 key, unlocked with
/// their own passphrase and matching the public key the catalog holds for them. Only
/// ``Vault/proveOfficer(_:passphrase:for:)`` makes one, so an operation that takes an `Officer`
/// cannot be reached without that proof.
public struct Officer: Sendable {
    public let name: String
    public let role: String
    let signing: SigningKeyPair

    /// How the officer appears in the audit trail and in destruction records.
    public var actor: String { "officer:" + name }
    public var publicKey: [UInt8] { signing.publicKey }

    init(name: String, role: String, signing: SigningKeyPair) {
        self.name = name
        self.role = role
        self.signing = signing
    }

    func sign(_ message: [UInt8]) -> [UInt8] { signing.sign(message) }

    /// The X25519 form of the officer's key, which opens what was sealed to them (their copy of the pseudonym key).
    func boxKeyPair() throws -> RoleKeyPair { try signing.boxKeyPair() }
}

extension Vault {
    /// Makes an officer key for `name` (sealed under the officer's own passphrase) and returns
    /// its public key, to be recorded with the user (``UserRecord/signingKey``).
    public func createOfficerKey(_ name: String, passphrase: SecureBytes) throws(VaultError) -> [UInt8] {
        try vaultBoundary {
            try keyring.createSigningKey(.officer, name: name, passphrase: passphrase, strength: config.kdf, now: clock()).publicKey
        }
    }

    /// Removes an officer key whose user could not be added (so the name can be tried again).
    public func removeOfficerKey(_ name: String) {
        try? FileManager.default.removeItem(at: keyring.signingKeyFile(.officer, name))
    }

    /// Whether any active user of the vault is an officer (has a signing key). While none is, the
    /// first officer may be made without another's proof (bootstrap, audited as such).
    public func hasOfficers() async throws(VaultError) -> Bool {
        try await vaultBoundary {
            try await catalog.users().contains { $0.revokedAt == nil && $0.signingKey != nil }
        }
    }

    /// Proves that `name` may do `privilege`: an active user whose role allows it, whose officer key
    /// opens with `passphrase` and is the key the catalog holds for them. A refusal is audited.
    public func proveOfficer(_ name: String, passphrase: SecureBytes, for privilege: OfficerPrivilege) async throws(VaultError) -> Officer {
        try await vaultBoundary {
            func refuse(_ reason: String) async throws -> Never {
                try await catalog.appendAudit(AuditDraft(actor: "officer:" + name, action: .officerProof, target: privilege.rawValue,
                                                         outcome: "refused", detail: reason))
                throw VaultError.officerRefused(name: name, reason: reason)
            }
            guard let user = try await catalog.user(named: name) else { try await refuse("no such user") }
            guard user.revokedAt == nil else { try await refuse("the user was revoked") }
            guard let recorded = user.signingKey else { try await refuse("the user is not an officer (no officer key)") }
            guard privilege.allowedRoles.contains(user.role) else {
                try await refuse("role '\(user.role)' may not \(privilege.rawValue) (allowed: \(privilege.allowedRoles.sorted().joined(separator: ", ")))")
            }
            let signing: SigningKeyPair
            do {
                signing = try keyring.unlockSigningKey(.officer, name: name, passphrase: passphrase)
            } catch let failure as Keyring.SigningKeyFailure {
                switch failure {
                case .missing(let path): try await refuse("no officer key in this keyring (\(path))")
                case .wrongPassphrase: try await refuse("wrong passphrase")
                }
            }
            guard signing.publicKey == recorded else { try await refuse("the officer key does not match the one recorded for the user") }
            if let reason = try await enrolmentRefusal(of: user) { try await refuse(reason) }
            return Officer(name: name, role: user.role, signing: signing)
        }
    }
}

extension Vault {
    static let officersRequiredKey = "officers_required"

    /// Whether privileged acts need an officer's proof: from the first officer on, always (a flag in
    /// the catalog, so revoking or deleting every officer does not reopen the vault). Before any
    /// officer exists (a new vault being set up, or one made before officers existed) they are
    /// allowed unproven and audited as such; approving a destruction never is.
    public func officersRequired() async throws(VaultError) -> Bool {
        try await vaultBoundary {
            if try await catalog.meta(Self.officersRequiredKey) == "1" || (try officerAnchor()) != nil { return true }
            return try await hasOfficers()
        }
    }

    /// Records that officers are required from now on (called when the first officer is added).
    public func requireOfficersFromNowOn() async throws(VaultError) {
        try await vaultBoundary {
            try await catalog.setMeta(Self.officersRequiredKey, "1")
        }
    }
}
