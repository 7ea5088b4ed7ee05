public import Foundation
import Crypto

/// What happened, before the catalog gives it a place in the chain.
public struct AuditDraft: Sendable, Hashable {
    /// Who acted: a user name, `cli:<os user>`, `sweeper`, ...
    public var actor: String
    /// The role whose key or authority was used, if any.
    public var role: String?
    /// What was done, as stored: an ``AuditAction``'s raw value (`ingest`, `get`, `consent.record`, ...).
    public var action: String
    /// What it was done to: a recording id, a session, a role name. Never a clear patient identifier.
    public var target: String?
    /// Why (the stated purpose, e.g. `care`, or a break-glass reason).
    public var purpose: String?
    /// `ok`, `refused`, `failed`.
    public var outcome: String
    /// Extra context (byte range, reason for refusal). Never secrets or clear identifiers.
    public var detail: String?

    /// A draft of `action` by `actor`.
    public init(actor: String, role: String? = nil, action: AuditAction, target: String? = nil, purpose: String? = nil,
                outcome: String = "ok", detail: String? = nil) {
        self.init(actor: actor, role: role, recordedAction: action.rawValue, target: target, purpose: purpose, outcome: outcome, detail: detail)
    }

    /// A draft as the trail stored it (its action as written, which may be one an older version wrote).
    package init(actor: String, role: String? = nil, recordedAction action: String, target: String? = nil, purpose: String? = nil,
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

    /// An entry as the catalog stored it; only a catalog makes one.
    package init(sequence: Int64, timeMillis: Int64, draft: AuditDraft, previousHash: [UInt8], hash: [UInt8]) {
        self.sequence = sequence
        self.timeMillis = timeMillis
        self.draft = draft
        self.previousHash = previousHash
        self.hash = hash
    }

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

/// Which audit entries to list.
public struct AuditFilter: Sendable, Hashable {
    /// Entries whose target is one of these (recording ids, sessions, `patient:<pseudonym prefix>`).
    public var targets: [String]?
    public var actor: String?
    public var since: Date?
    public var limit: Int

    public init(targets: [String]? = nil, actor: String? = nil, since: Date? = nil, limit: Int = 100_000) {
        self.targets = targets
        self.actor = actor
        self.since = since
        self.limit = limit
    }
}

/// A signed statement of the audit chain's head: "entry `sequence` has hash `headHash`".
/// Signed with the vault's Ed25519 key, stored in the catalog and appended to a file that
/// operators ship elsewhere, so truncating or rewriting the chain behind it is detected.
public struct AuditCheckpoint: Sendable, Hashable, Codable {
    public var sequence: Int64
    public var headHash: [UInt8]
    public var timeMillis: Int64
    public var publicKey: [UInt8]
    public var signature: [UInt8]
    /// Why it was made: `interval`, `export`, `manual`.
    public var reason: String

    public init(sequence: Int64, headHash: [UInt8], timeMillis: Int64, publicKey: [UInt8], signature: [UInt8], reason: String) {
        self.sequence = sequence
        self.headHash = headHash
        self.timeMillis = timeMillis
        self.publicKey = publicKey
        self.signature = signature
        self.reason = reason
    }

    /// The exact bytes that are signed.
    public static func message(vaultID: String, sequence: Int64, headHash: [UInt8], timeMillis: Int64) -> [UInt8] {
        var bytes = Array("sessionvault.audit-checkpoint.v1\u{0}".utf8)
        bytes += Array(vaultID.utf8) + [0]
        withUnsafeBytes(of: sequence.bigEndian) { bytes += $0 }
        bytes += headHash
        withUnsafeBytes(of: timeMillis.bigEndian) { bytes += $0 }
        return bytes
    }
}
