public import Foundation
import Crypto

/// What happened, before the catalog gives it a place in the chain.
public struct AuditDraft: Sendable, Hashable {
    /// Who acted: a user name, `cli:<os user>`, `sweeper`, ...
    public var actor: String
    /// The role whose key or authority was used, if any.
    public var role: String?
    /// What was done: `ingest`, `get`, `consent.record`, `role.rotate`, ...
    public var action: String
    /// What it was done to: a recording id, a session, a role name. Never a clear patient identifier.
    public var target: String?
    /// Why (the stated purpose, e.g. `care`, or a break-glass reason).
    public var purpose: String?
    /// `ok`, `refused`, `failed`.
    public var outcome: String
    /// Extra context (byte range, reason for refusal). Never secrets or clear identifiers.
    public var detail: String?

    public init(actor: String, role: String? = nil, action: String, target: String? = nil, purpose: String? = nil,
                outcome: String = "ok", detail: String? = nil) {
        self.actor = actor
        self.role = role
        self.action = action
        self.target = target
        self.purpose = purpose
        self.outcome = outcome
        self.detail = detail
    }
}

/// An entry of the tamper-evident audit trail: each entry's hash covers its fields and the
/// previous entry's hash, so editing, deleting, inserting or reordering entries breaks the chain.
public struct AuditEntry: Sendable, Hashable {
    public var sequence: Int64
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var timeMillis: Int64
    public var draft: AuditDraft
    public var previousHash: [UInt8]
    public var hash: [UInt8]

    public var time: Date { Date(timeIntervalSince1970: TimeInterval(timeMillis) / 1000) }

    /// The hash that precedes the first entry.
    public static let genesisHash = [UInt8](repeating: 0, count: 32)

    /// SHA-256 over a domain tag and every field, each length-prefixed, in a fixed order.
    public static func computeHash(sequence: Int64, timeMillis: Int64, draft: AuditDraft, previousHash: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        func field(_ bytes: some Collection<UInt8>) {
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(data: Array(bytes))
        }
        func field(_ string: String?) {
            guard let string else {
                withUnsafeBytes(of: UInt32.max.bigEndian) { hasher.update(bufferPointer: $0) }
                return
            }
            field(Array(string.utf8))
        }
        hasher.update(data: Array("sessionvault.audit.v1".utf8))
        withUnsafeBytes(of: sequence.bigEndian) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: timeMillis.bigEndian) { hasher.update(bufferPointer: $0) }
        field(draft.actor)
        field(draft.role)
        field(draft.action)
        field(draft.target)
        field(draft.purpose)
        field(draft.outcome)
        field(draft.detail)
        field(previousHash)
        return Array(hasher.finalize())
    }

    /// True if `hash` matches the fields and `previousHash`.
    public var isSelfConsistent: Bool {
        Self.computeHash(sequence: sequence, timeMillis: timeMillis, draft: draft, previousHash: previousHash) == hash
    }
}
