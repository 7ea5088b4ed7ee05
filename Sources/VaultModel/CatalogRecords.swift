public import Foundation

/// Where a recording is in its life (see docs/DESIGN.md).
public enum RecordingState: String, Sendable, Codable, CaseIterable {
    /// Chunks are being written; invisible; removed by `gc` if its writer died.
    case staging
    /// Committed and readable by the roles that hold a wrap.
    case live
    /// Destruction has begun: wraps are gone (crypto-shredded), blobs may remain until the sweep finishes.
    case disposing
    /// Only the destruction record remains.
    case destroyed
}

/// A role (clinician, supervisor, ...) and its current public key.
public struct RoleRecord: Sendable, Hashable {
    public var name: String
    public var publicKey: [UInt8]
    public var keyID: String
    public var createdAt: Date

    public init(name: String, publicKey: [UInt8], keyID: String, createdAt: Date) {
        self.name = name
        self.publicKey = publicKey
        self.keyID = keyID
        self.createdAt = createdAt
    }
}

/// A patient, known to the catalog only by a keyed-hash pseudonym. The clear identifier is kept
/// only sealed to the records officer's key.
public struct PatientRecord: Sendable, Hashable {
    public var pseudonym: String
    public var identifierSealed: [UInt8]
    public var lastContact: CivilDate?
    public var discharged: CivilDate?
    public var died: CivilDate?
    /// The month of birth (YYYY-MM): all that is kept of a date of birth, for the children's rule.
    public var bornMonth: String?

    public init(pseudonym: String, identifierSealed: [UInt8], lastContact: CivilDate? = nil, discharged: CivilDate? = nil, died: CivilDate? = nil,
                bornMonth: String? = nil) {
        self.pseudonym = pseudonym
        self.identifierSealed = identifierSealed
        self.lastContact = lastContact
        self.discharged = discharged
        self.died = died
        self.bornMonth = bornMonth
    }
}

/// One consent scope given for one session.
public struct ConsentRecord: Sendable, Hashable {
    public var id: Int64?
    public var session: String
    public var patient: String
    public var scope: String
    /// The evidence text (e.g. "signed form 12"), sealed to the records officer; nil if none given.
    public var evidenceSealed: [UInt8]?
    /// The civil date the consent was given.
    public var givenOn: CivilDate
    public var recordedAt: Date
    public var withdrawnOn: CivilDate?
    public var withdrawalRecordedAt: Date?
    /// The session had other participants (a group or family session): a copy for this patient
    /// needs redaction review before release.
    public var otherParticipants: Bool
    /// The day a renewal (new evidence for the same scope) replaced this consent; it is history from then on.
    public var supersededOn: CivilDate?
    /// The consent this one renews (its row id), if it is a renewal rather than consent given afresh.
    public var renews: Int64?

    public init(id: Int64? = nil, session: String, patient: String, scope: String, evidenceSealed: [UInt8]?, givenOn: CivilDate,
                recordedAt: Date, withdrawnOn: CivilDate? = nil, withdrawalRecordedAt: Date? = nil, otherParticipants: Bool = false,
                supersededOn: CivilDate? = nil, renews: Int64? = nil) {
        self.id = id
        self.session = session
        self.patient = patient
        self.scope = scope
        self.evidenceSealed = evidenceSealed
        self.givenOn = givenOn
        self.recordedAt = recordedAt
        self.withdrawnOn = withdrawnOn
        self.withdrawalRecordedAt = withdrawalRecordedAt
        self.otherParticipants = otherParticipants
        self.supersededOn = supersededOn
        self.renews = renews
    }

    /// Neither withdrawn nor replaced by a renewal.
    public var isActive: Bool { withdrawnOn == nil && supersededOn == nil }
}

/// One change to a session's consent, applied by the catalog in one transaction: new consent rows,
/// the wraps the change gives roles on recordings already stored, and the due dates it moves.
public struct ConsentChange: Sendable {
    /// The rows to add (one per scope).
    public var added: [ConsentRecord]
    /// For a renewal: the day the scopes' active rows end, each replaced by its new row. Nil for
    /// consent given afresh (a scope with active consent is then refused as a duplicate).
    public var renewedOn: CivilDate?
    /// Wraps for roles the new consent justifies, on recordings stored before it; a recording no
    /// longer live, or a wrap already present, is skipped.
    public var wraps: [WrapRecord]
    public var dueUpdates: [DueDateUpdate]
    /// Signs the session's consent rows as the change leaves them (nil where no officer is needed).
    public var seal: ConsentSealer?
    public var audit: AuditDraft

    public init(added: [ConsentRecord], renewedOn: CivilDate? = nil, wraps: [WrapRecord] = [], dueUpdates: [DueDateUpdate] = [],
                seal: ConsentSealer? = nil, audit: AuditDraft) {
        self.added = added
        self.renewedOn = renewedOn
        self.wraps = wraps
        self.dueUpdates = dueUpdates
        self.seal = seal
        self.audit = audit
    }
}

/// An officer's signature over one session's whole consent register: every consent row of the
/// session as a change left it. The catalog stores it in the same transaction as the change, so
/// a row added, edited or deleted by anyone else no longer matches it.
public struct ConsentSeal: Sendable, Hashable {
    public var session: String
    /// `officer:NAME`.
    public var signedBy: String
    public var signedAt: Date
    /// The officer's public key followed by the Ed25519 signature (96 bytes).
    public var signature: [UInt8]

    public init(session: String, signedBy: String, signedAt: Date, signature: [UInt8]) {
        self.session = session
        self.signedBy = signedBy
        self.signedAt = signedAt
        self.signature = signature
    }
}

/// Makes the seal of a session's consent rows; called by the catalog inside the transaction that
/// wrote them, with the rows as stored (ids included).
public typealias ConsentSealer = @Sendable (_ session: String, _ rows: [ConsentRecord]) -> ConsentSeal

/// A session's consent rows and the seal over them, read in one transaction.
public struct ConsentRegister: Sendable {
    public var rows: [ConsentRecord]
    public var seal: ConsentSeal?

    public init(rows: [ConsentRecord], seal: ConsentSeal?) {
        self.rows = rows
        self.seal = seal
    }
}

/// A recording being written: created before the first chunk, so `gc` can tell an abandoned
/// ingest (its process is gone) from one still running.
public struct StagingRecord: Sendable, Hashable {
    public var id: RecordingID
    public var session: String
    public var clinician: String
    public var retentionClass: String
    public var startedAt: Date
    public var processID: Int32
    public var host: String

    public init(id: RecordingID, session: String, clinician: String, retentionClass: String, startedAt: Date, processID: Int32, host: String) {
        self.id = id
        self.session = session
        self.clinician = clinician
        self.retentionClass = retentionClass
        self.startedAt = startedAt
        self.processID = processID
        self.host = host
    }
}

/// A committed recording's catalog row.
public struct RecordingRecord: Sendable, Hashable {
    public var id: RecordingID
    public var state: RecordingState
    public var session: String
    public var patient: String
    public var clinician: String
    public var retentionClass: String
    public var mediaType: String
    public var byteCount: Int64
    public var chunkSize: Int
    public var chunkCount: Int
    public var algorithm: ChunkAlgorithm
    /// The manifest bytes, authenticated by `manifestTag` under a key derived from the data key.
    public var manifest: [UInt8]
    public var manifestTag: [UInt8]
    public var createdAt: Date
    /// The civil date on which the recording was captured.
    public var capturedOn: CivilDate
    /// The civil date on which the recording becomes due for disposal; nil while undeterminable.
    public var dueOn: CivilDate?
    public var disposition: Disposition?
    public var retentionRule: String?
    public var sourceID: RecordingID?
    /// Media facts, if the stream was recognised (stored as JSON).
    public var mediaFacts: MediaFacts?
    /// Who authorised destruction, once disposal has started.
    public var disposalAuthorisedBy: String?
    /// When disposal started (the wraps were deleted).
    public var disposalStartedAt: Date?

    public init(id: RecordingID, state: RecordingState, session: String, patient: String, clinician: String, retentionClass: String,
                mediaType: String, byteCount: Int64, chunkSize: Int, chunkCount: Int, algorithm: ChunkAlgorithm, manifest: [UInt8],
                manifestTag: [UInt8], createdAt: Date, capturedOn: CivilDate, dueOn: CivilDate? = nil, disposition: Disposition? = nil,
                retentionRule: String? = nil, sourceID: RecordingID? = nil, mediaFacts: MediaFacts? = nil) {
        self.id = id
        self.state = state
        self.session = session
        self.patient = patient
        self.clinician = clinician
        self.retentionClass = retentionClass
        self.mediaType = mediaType
        self.byteCount = byteCount
        self.chunkSize = chunkSize
        self.chunkCount = chunkCount
        self.algorithm = algorithm
        self.manifest = manifest
        self.manifestTag = manifestTag
        self.createdAt = createdAt
        self.capturedOn = capturedOn
        self.dueOn = dueOn
        self.disposition = disposition
        self.retentionRule = retentionRule
        self.sourceID = sourceID
        self.mediaFacts = mediaFacts
    }
}

/// One sealed chunk of a recording: its size and the SHA-256 of its sealed bytes.
public struct ChunkRecord: Sendable, Hashable {
    public var index: Int
    public var sealedSize: Int
    public var digest: [UInt8]

    public init(index: Int, sealedSize: Int, digest: [UInt8]) {
        self.index = index
        self.sealedSize = sealedSize
        self.digest = digest
    }
}

/// A recording's data key wrapped (sealed box) for one role's key.
public struct WrapRecord: Sendable, Hashable {
    public var recording: RecordingID
    public var role: String
    public var keyID: String
    public var wrapped: [UInt8]

    public init(recording: RecordingID, role: String, keyID: String, wrapped: [UInt8]) {
        self.recording = recording
        self.role = role
        self.keyID = keyID
        self.wrapped = wrapped
    }
}

/// What to search for when listing recordings.
public struct RecordingFilter: Sendable, Hashable {
    public var patient: String?
    public var clinician: String?
    public var session: String?
    public var retentionClass: String?
    public var since: Date?
    /// Only recordings stored before this instant (with `since`, a date range).
    public var until: Date?
    /// Only recordings derived from this one (its review copies).
    public var source: RecordingID?
    /// Only recordings whose due date cannot be determined yet (waiting for a patient event).
    public var dueUndetermined = false
    public var states: Set<RecordingState>
    public var limit: Int?
    /// Keyset pagination: only ids greater than this, in id order (for walking every recording in batches).
    public var after: RecordingID?

    public init(patient: String? = nil, clinician: String? = nil, session: String? = nil, retentionClass: String? = nil,
                since: Date? = nil, source: RecordingID? = nil, dueUndetermined: Bool = false, states: Set<RecordingState> = [.live],
                limit: Int? = nil, after: RecordingID? = nil) {
        self.source = source
        self.dueUndetermined = dueUndetermined
        self.patient = patient
        self.clinician = clinician
        self.session = session
        self.retentionClass = retentionClass
        self.since = since
        self.states = states
        self.limit = limit
        self.after = after
    }
}
