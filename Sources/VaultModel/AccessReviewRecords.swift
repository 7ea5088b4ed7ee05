public import Foundation

/// A records officer's review of what a subject-access bundle will release (UK GDPR Art. 15):
/// every item that would go into the bundle, with a decision on each, a health professional's
/// serious-harm opinion and the officer's sign-off. Only a signed-off review is released.
///
/// The list of items is fixed when the draft is made; decisions, the opinion, the sign-off and
/// the release change, each by ``Catalog/updateAccessReview(_:expectedRevision:audit:)``.
public struct AccessReviewRecord: Sendable, Hashable, Codable {
    public var id: Int64?
    /// The patient's pseudonym (never the clear identifier).
    public var patient: String
    /// Whether the bundle carries stored review copies instead of originals where they exist.
    public var reviewCopies: Bool
    public var createdBy: String
    public var createdAt: Date
    /// Bumped by every update, so two officers deciding at once cannot overwrite each other.
    public var revision: Int64
    public var harm: HarmOpinion?
    public var signedBy: String?
    public var signedAt: Date?
    /// The signing officer's public key (32 bytes) followed by their Ed25519 signature (64 bytes)
    /// over the review's decisions as signed off.
    public var signature: [UInt8]?
    /// The last release of the signed-off review, if any.
    public var releasedBy: String?
    public var releasedAt: Date?
    public var items: [AccessReviewItem]

    public init(id: Int64? = nil, patient: String, reviewCopies: Bool, createdBy: String, createdAt: Date, revision: Int64 = 0,
                harm: HarmOpinion? = nil, signedBy: String? = nil, signedAt: Date? = nil, signature: [UInt8]? = nil,
                releasedBy: String? = nil, releasedAt: Date? = nil, items: [AccessReviewItem]) {
        self.id = id
        self.patient = patient
        self.reviewCopies = reviewCopies
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.revision = revision
        self.harm = harm
        self.signedBy = signedBy
        self.signedAt = signedAt
        self.signature = signature
        self.releasedBy = releasedBy
        self.releasedAt = releasedAt
        self.items = items
    }

    public var isSignedOff: Bool { signedAt != nil }
}

/// One thing a subject-access bundle would release: a recording, or one of the logs.
public struct AccessReviewItem: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case recording
        case consentHistory = "consent-history"
        case accessLog = "access-log"
        case destructionRecords = "destruction-records"
    }

    public enum Decision: String, Sendable, Hashable, Codable {
        case include
        case exclude
        /// Flagged and not yet decided: left out of the bundle, and the review cannot be signed off.
        case pending
    }

    /// The item's name in the review: the recording id, or the log's kind.
    public var key: String
    public var kind: Kind
    public var recording: RecordingID?
    public var session: String?
    public var capturedOn: CivilDate?
    /// Why the item needs a decision before release (`other-participants`), if it does.
    public var flag: String?
    public var decision: Decision
    /// For an exclusion: why, as a category the patient may be told (see the vault's categories).
    public var category: String?
    /// The officer's (or health professional's) reason, for the record; never put in the bundle.
    public var reason: String?
    public var decidedBy: String?
    public var decidedAt: Date?

    public init(key: String, kind: Kind, recording: RecordingID? = nil, session: String? = nil, capturedOn: CivilDate? = nil, flag: String? = nil,
                decision: Decision, category: String? = nil, reason: String? = nil, decidedBy: String? = nil, decidedAt: Date? = nil) {
        self.key = key
        self.kind = kind
        self.recording = recording
        self.session = session
        self.capturedOn = capturedOn
        self.flag = flag
        self.decision = decision
        self.category = category
        self.reason = reason
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
    }
}

/// An appropriate health professional's opinion on whether disclosure would be likely to cause
/// serious harm (DPA 2018 Sch. 3 Part 2), as recorded by the officer who consulted them.
public struct HarmOpinion: Sendable, Hashable, Codable {
    public var professional: String
    public var professionalRole: String
    /// The day the opinion was given.
    public var givenOn: CivilDate
    /// True if the professional found that disclosure of some items would be likely to cause serious harm.
    public var seriousHarm: Bool
    public var reason: String?
    public var recordedBy: String
    public var recordedAt: Date

    public init(professional: String, professionalRole: String, givenOn: CivilDate, seriousHarm: Bool, reason: String?, recordedBy: String,
                recordedAt: Date) {
        self.professional = professional
        self.professionalRole = professionalRole
        self.givenOn = givenOn
        self.seriousHarm = seriousHarm
        self.reason = reason
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
    }
}
