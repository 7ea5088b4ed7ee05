public import Foundation

/// A user of the HTTP service: a name, the role whose key the service uses on their behalf,
/// the hash of their access token and the patients on their care list.
///
/// The token itself is never stored: only its SHA-256, which the service compares in constant
/// time. Care-list entries are patient pseudonyms (keyed BLAKE2b), never clear identifiers.
public struct UserRecord: Sendable, Hashable {
    public var name: String
    /// The role whose unlocked key the service uses for this user's retrievals.
    public var role: String
    /// SHA-256 of the access token (32 bytes).
    public var tokenHash: [UInt8]
    /// Pseudonyms of the patients on the user's care list, sorted.
    public var patients: [String]
    public var createdAt: Date
    /// When the token was revoked; a revoked user is refused on their next request.
    public var revokedAt: Date?
    /// An officer's Ed25519 public key: the user proves privileged acts with the matching secret key
    /// (sealed under their own passphrase) and signs destruction decisions with it. Nil for users
    /// who are not officers.
    public var signingKey: [UInt8]?
    /// An officer's enrolment: the endorsing officer's Ed25519 public key (32 bytes) followed by
    /// their signature (64) over the enrolment statement (vault, name, role, key, time). The first
    /// officer endorses themselves and is the vault's *officer anchor*; every later officer is
    /// endorsed by one already anchored, so an officer inserted into the catalog by anyone else
    /// has no chain to the anchor. Nil for users who are not officers, and for officers enrolled
    /// before enrolments were signed.
    public var enrolment: [UInt8]?

    public init(name: String, role: String, tokenHash: [UInt8], patients: [String], createdAt: Date, revokedAt: Date? = nil,
                signingKey: [UInt8]? = nil, enrolment: [UInt8]? = nil) {
        self.signingKey = signingKey
        self.enrolment = enrolment
        self.name = name
        self.role = role
        self.tokenHash = tokenHash
        self.patients = patients.sorted()
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// True until the user is revoked.
    public var isActive: Bool { revokedAt == nil }
}
