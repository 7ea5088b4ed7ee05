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

    public init(name: String, role: String, tokenHash: [UInt8], patients: [String], createdAt: Date, revokedAt: Date? = nil) {
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
