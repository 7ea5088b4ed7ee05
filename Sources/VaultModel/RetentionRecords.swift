public import Foundation

/// A legal hold (litigation, inquiry, complaint): nothing it covers is ever destroyed.
public struct HoldRecord: Sendable, Hashable, Codable {
    public var id: Int64?
    /// Exactly one of `recording` and `patient` is set; a patient hold covers all their recordings, present and future.
    public var recording: RecordingID?
    public var patient: String?
    public var reason: String
    public var caseRef: String
    public var placedBy: String
    public var placedAt: Date
    public var releasedBy: String?
    public var releasedAt: Date?

    public init(id: Int64? = nil, recording: RecordingID? = nil, patient: String? = nil, reason: String, caseRef: String, placedBy: String,
                placedAt: Date, releasedBy: String? = nil, releasedAt: Date? = nil) {
        self.id = id
        self.recording = recording
        self.patient = patient
        self.reason = reason
        self.caseRef = caseRef
        self.placedBy = placedBy
        self.placedAt = placedAt
        self.releasedBy = releasedBy
        self.releasedAt = releasedAt
    }

    public var isActive: Bool { releasedAt == nil }
}

/// A recording whose retention ended with a `review` disposition, waiting for a records officer.
public struct DispositionRecord: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Codable { case pending, approved, extended }
    public var recording: RecordingID
    public var status: Status
    public var dueOn: CivilDate
    public var rule: String?
    public var queuedAt: Date
    public var decidedBy: String?
    public var decidedAt: Date?
    public var extendedUntil: CivilDate?
    public var reason: String?
    /// The deciding officer's public key (32 bytes) followed by their Ed25519 signature over the
    /// decision (64 bytes); nil for decisions made before they were signed.
    public var signature: [UInt8]?

    public init(recording: RecordingID, status: Status, dueOn: CivilDate, rule: String?, queuedAt: Date, decidedBy: String? = nil,
                decidedAt: Date? = nil, extendedUntil: CivilDate? = nil, reason: String? = nil, signature: [UInt8]? = nil) {
        self.signature = signature
        self.recording = recording
        self.status = status
        self.dueOn = dueOn
        self.rule = rule
        self.queuedAt = queuedAt
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.extendedUntil = extendedUntil
        self.reason = reason
    }
}

/// The metadata stub kept forever after a recording is destroyed: proof that it existed and
/// was destroyed under a rule. Holds no clear patient identifier (only the keyed-hash pseudonym).
public struct DestructionRecord: Sendable, Hashable, Codable {
    public var recording: RecordingID
    public var patient: String?
    public var retentionClass: String
    public var rule: String?
    public var dueOn: CivilDate?
    /// `sweeper`, or the records officer who approved a review.
    public var authorisedBy: String
    public var startedAt: Date
    public var destroyedAt: Date
    public var chunkCount: Int
    public var byteCount: Int64
    /// SHA-256 over every chunk's ciphertext digest (the manifest's digest root).
    public var digestRoot: String
    /// The day the destruction was decided as of: the day its sweep ran, never a borrowed one.
    /// Nil on records written before it was kept.
    public var asOf: CivilDate?
    /// The retention schedule the due date came from: name, version and the SHA-256 of its file.
    public var schedule: String?
    /// How it was destroyed (crypto-shredding, erasure of the key tree's leaves, chunk deletion).
    public var method: String?
    /// The reviewing officer's reason, for a destruction approved after review.
    public var reason: String?

    public init(recording: RecordingID, patient: String?, retentionClass: String, rule: String?, dueOn: CivilDate?, authorisedBy: String,
                startedAt: Date, destroyedAt: Date, chunkCount: Int, byteCount: Int64, digestRoot: String, asOf: CivilDate? = nil,
                schedule: String? = nil, method: String? = nil, reason: String? = nil) {
        self.asOf = asOf
        self.schedule = schedule
        self.method = method
        self.reason = reason
        self.recording = recording
        self.patient = patient
        self.retentionClass = retentionClass
        self.rule = rule
        self.dueOn = dueOn
        self.authorisedBy = authorisedBy
        self.startedAt = startedAt
        self.destroyedAt = destroyedAt
        self.chunkCount = chunkCount
        self.byteCount = byteCount
        self.digestRoot = digestRoot
    }
}

/// A records officer's decision to keep a recording past its scheduled disposal: every later
/// recomputation of the due date (a patient event, a consent change, a schedule repair) keeps the
/// recording at least until `untilOn`.
public struct RetentionExtension: Sendable, Hashable, Codable {
    public var id: Int64?
    public var recording: RecordingID
    /// The civil date the recording is kept until, at least.
    public var untilOn: CivilDate
    public var reason: String
    public var decidedBy: String
    public var decidedAt: Date
    /// The officer's public key and signature over the decision, as kept with the disposition.
    public var signature: [UInt8]?

    public init(id: Int64? = nil, recording: RecordingID, untilOn: CivilDate, reason: String, decidedBy: String, decidedAt: Date,
                signature: [UInt8]? = nil) {
        self.id = id
        self.recording = recording
        self.untilOn = untilOn
        self.reason = reason
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.signature = signature
    }
}

/// A recomputed retention outcome for one recording.
public struct DueDateUpdate: Sendable, Hashable {
    public var recording: RecordingID
    public var dueOn: CivilDate?
    public var disposition: Disposition?
    public var rule: String?

    public init(recording: RecordingID, dueOn: CivilDate?, disposition: Disposition?, rule: String?) {
        self.recording = recording
        self.dueOn = dueOn
        self.disposition = disposition
        self.rule = rule
    }
}

/// How many live recordings are due, by retention class and disposition.
public struct DueSummary: Sendable, Hashable, Codable {
    public var retentionClass: String
    public var disposition: Disposition
    public var count: Int
    public var held: Int

    public init(retentionClass: String, disposition: Disposition, count: Int, held: Int) {
        self.retentionClass = retentionClass
        self.disposition = disposition
        self.count = count
        self.held = held
    }
}

/// What the start of a disposal did: the recordings now `disposing`, and the wraps it deleted.
public struct DisposalStart: Sendable, Hashable {
    public var started: [RecordingID]
    public var shreddedWraps: [WrapRecord]

    public init(started: [RecordingID] = [], shreddedWraps: [WrapRecord] = []) {
        self.started = started
        self.shreddedWraps = shreddedWraps
    }
}
