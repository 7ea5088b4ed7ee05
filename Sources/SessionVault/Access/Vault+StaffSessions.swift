import Foundation
import VaultIndex

/// Who the organisation's identity provider says has signed in, after the service has checked
/// the ID token (signature, issuer, audience, times, nonce).
public struct FederatedIdentity: Sendable, Hashable {
    /// The SessionVault user name the provider's user claim gives.
    public var userName: String
    /// The SessionVault roles the provider's group or role claim grants (through `[oidc.roles]`).
    public var grantedRoles: [String]
    /// The provider that vouched for the user.
    public var issuer: String

    public init(userName: String, grantedRoles: [String], issuer: String) {
        self.userName = userName
        self.grantedRoles = grantedRoles
        self.issuer = issuer
    }
}

/// Staff sessions opened through the identity provider: the provider says who someone is and
/// which groups they are in; the vault's own user records say whether that person is a user of
/// this service, in which role, with which care list. Both must agree, and every sign-in,
/// refusal and sign-out is in the audit trail.
extension Vault {
    /// The vault's user for a sign-in the provider vouched for. Refused (audited, then
    /// ``VaultError/signInRefused(_:reason:)``) when the vault has no such user, the user is
    /// revoked, or the provider's groups do not grant the user's role; a removal from the group at
    /// the provider therefore ends access at the next sign-in.
    public func signIn(_ identity: FederatedIdentity, from address: String) async throws(VaultError) -> UserRecord {
        try await vaultBoundary {
            let name = identity.userName
            guard (try? Self.validateUserName(name)) != nil else {
                try await recordSignInRefusal(claimedName: nil, from: address, reason: "the provider's user claim is not a SessionVault user name")
                throw VaultError.signInRefused("(not a user name)", reason: "the identity provider's account has no SessionVault user")
            }
            func refuse(_ reason: String, role: String? = nil) async throws -> Never {
                try await catalog.appendAudit(AuditDraft(actor: "user:\(name)@\(address)", role: role, action: .sessionSignIn, outcome: "refused",
                                                         detail: reason + " (via \(Self.bounded(identity.issuer)))"))
                throw VaultError.signInRefused(name, reason: reason)
            }
            guard let user = try await catalog.user(named: name) else { try await refuse("the identity provider's account has no SessionVault user") }
            guard user.isActive else { try await refuse("the SessionVault user is revoked", role: user.role) }
            guard identity.grantedRoles.contains(user.role) else {
                let granted = identity.grantedRoles.isEmpty ? "no SessionVault role" : "only " + identity.grantedRoles.joined(separator: ", ")
                try await refuse("the identity provider's groups grant \(granted), not the user's role '\(user.role)'", role: user.role)
            }
            try await catalog.appendAudit(AuditDraft(actor: "user:\(name)@\(address)", role: user.role, action: .sessionSignIn,
                                                     detail: "via \(Self.bounded(identity.issuer))"))
            return user
        }
    }

    /// Records a sign-in refused before any user was known (a forged or expired token, a state
    /// that matches no sign-in in progress, a provider that could not be reached).
    public func recordSignInRefusal(claimedName: String?, from address: String, reason: String) async throws(VaultError) {
        try await vaultBoundary {
            let name = claimedName.flatMap { (try? Self.validateUserName($0)) != nil ? $0 : nil } ?? "unknown"
            try await catalog.appendAudit(AuditDraft(actor: "user:\(name)@\(address)", action: .sessionSignIn, outcome: "refused",
                                                     detail: Self.bounded(reason)))
        }
    }

    /// Records the end of a staff session: signed out, or ended by its idle or absolute timeout (`reason`).
    public func signOut(_ user: UserRecord, from address: String, reason: String) async throws(VaultError) {
        try await vaultBoundary {
            try await catalog.appendAudit(AuditDraft(actor: "user:\(user.name)@\(address)", role: user.role, action: .sessionSignOut,
                                                     detail: Self.bounded(reason)))
        }
    }

    /// The active user of this name, or nil (unknown or revoked): a signed-in session is checked
    /// against it on every request, so a revocation ends the session at once.
    public func activeUser(named name: String) async throws(VaultError) -> UserRecord? {
        try await vaultBoundary {
            guard let user = try await catalog.user(named: name), user.isActive else { return nil }
            return user
        }
    }

    /// Text from outside (an issuer URL, a reason) as the trail keeps it: printable, at most 200 characters.
    static func bounded(_ text: String) -> String {
        String(String(text.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }).prefix(200))
    }
}
