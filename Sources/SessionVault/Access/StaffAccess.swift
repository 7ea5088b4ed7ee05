public import Foundation

/// The care-list rule: a user reaches a patient's recordings only if the patient is on their
/// care list, unless their role is unrestricted (the records officer, who answers requests about
/// every patient). The care list never replaces the key: a role still needs a wrap to decrypt.
public struct CarePolicy: Sendable, Hashable {
    /// Roles whose users see every recording their role holds a wrap of.
    public var unrestrictedRoles: Set<String>

    public init(unrestrictedRoles: Set<String> = ["records-officer"]) {
        self.unrestrictedRoles = unrestrictedRoles
    }

    /// Whether `user` cares for `patient` (a pseudonym), or needs no care list.
    public func covers(_ user: UserRecord, patient: String) -> Bool {
        unrestrictedRoles.contains(user.role) || user.patients.contains(patient)
    }
}

/// One staff member's request to reach recordings: who, in which role, why. A break-glass
/// request lifts the care list (never the key), and its stated reason is recorded and flagged.
public struct StaffRequest: Sendable {
    public var user: UserRecord
    /// How the audit trail names the caller (e.g. `user:alice`).
    public var actor: String
    /// `care` (the default), another stated purpose, or `break-glass: <reason>`.
    public var purpose: String
    public var breakGlass: Bool

    /// The longest purpose or reason kept; the rest is cut off.
    public static let maxPurposeLength = 200

    /// A request for `purpose` (blank: `care`). A purpose holding a control or text-direction
    /// character is refused (``AuditText``).
    public init(user: UserRecord, actor: String, purpose: String = "care") throws(VaultError) {
        try AuditText.check(purpose, field: "access purpose")
        let cleaned = Self.bounded(purpose.trimmingCharacters(in: .whitespaces))
        self.user = user
        self.actor = actor
        self.purpose = cleaned.isEmpty ? "care" : cleaned
        self.breakGlass = false
    }

    /// A break-glass request; nil when no reason is stated (the caller refuses it). A reason
    /// holding a control or text-direction character is refused (``AuditText``).
    public init?(user: UserRecord, actor: String, breakGlassReason reason: String) throws(VaultError) {
        try AuditText.check(reason, field: "break-glass reason")
        let trimmed = reason.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        self.user = user
        self.actor = actor
        self.purpose = "break-glass: " + Self.bounded(trimmed)
        self.breakGlass = true
    }

    /// At most ``maxPurposeLength`` characters.
    static func bounded(_ text: String) -> String {
        String(text.prefix(maxPurposeLength))
    }

    var role: String { user.role }
    /// What an access entry's detail says about how it was reached.
    var flag: String? { breakGlass ? "break-glass" : nil }
}

/// A recording as a staff list shows it, with the scopes its session's patient consented to.
public struct StaffListing: Sendable {
    public var record: RecordingRecord
    public var scopes: [String]
}

/// What a staff member may know about one recording beyond its row.
public struct RecordingDetail: Sendable {
    public var record: RecordingRecord
    /// Every consent of its session, withdrawn ones included.
    public var consents: [ConsentRecord]
    /// The scopes still active.
    public var scopes: [String]
    /// The roles holding a wrap, sorted.
    public var wrappedFor: [String]
    public var held: Bool
    /// Its newest stored review copy, if any.
    public var reviewCopy: RecordingRecord?
}
