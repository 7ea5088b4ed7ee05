import SessionVault
import Foundation
import Retention

/// One recording in `GET /api/recordings`.
struct RecordingSummaryJSON: Codable, Sendable {
    var id: String
    var session: String
    var patientPseudonym: String
    var clinician: String
    var retentionClass: String
    var mediaType: String
    var byteCount: Int64
    var capturedOn: CivilDate
    var createdAt: Date
    var consentScopes: [String]
    var dueOn: CivilDate?
    var daysUntilDisposal: Int?
    var derivedFrom: String?
}

/// `GET /api/recordings/{id}`: metadata, consent and retention status.
struct RecordingDetailJSON: Codable, Sendable {
    struct Consent: Codable, Sendable {
        var scope: String
        var givenOn: CivilDate
        var withdrawnOn: CivilDate?
        var active: Bool
        var otherParticipants: Bool
    }
    struct Retention: Codable, Sendable {
        var dueOn: CivilDate?
        var daysUntilDisposal: Int?
        var disposition: Disposition?
        var rule: String?
        var held: Bool
    }
    var recording: RecordingSummaryJSON
    var chunkCount: Int
    var chunkSize: Int
    var wrappedFor: [String]
    var consent: [Consent]
    var retention: Retention
    var reviewCopy: String?
    var links: [String: String]
}

/// `GET /api/recordings/{id}/audit`: one access.
struct AuditEntryJSON: Codable, Sendable {
    var sequence: Int64
    var time: Date
    var actor: String
    var role: String?
    var action: String
    var purpose: String?
    var outcome: String
    var detail: String?
    var breakGlass: Bool
}

/// `POST /api/recordings`: the new recording.
struct UploadResultJSON: Codable, Sendable {
    var id: String
    var session: String
    var retentionClass: String
    var byteCount: Int64
    var chunkCount: Int
    var mediaType: String
    var wrappedFor: [String]
    var consentedScopes: [String]
    var dueOn: CivilDate?
    var capturedOn: CivilDate
    /// `given`, `media` (the WebM file's own DateUTC) or `upload-day`.
    var capturedFrom: String
    /// The review copy stored with the upload (a class named in `[review] at_ingest`), if one was made.
    var reviewCopy: String? = nil
    /// Why no review copy was made at upload, for a class that asks for one.
    var reviewCopySkipped: String? = nil
    /// True when the review copy is still being made after the answer (the class asks for one at
    /// ingest); `GET …/review` waits for it. Its outcome is in the recording's audit trail.
    var reviewCopyPending: Bool? = nil
}

/// The answer to `POST /api/recordings/{id}/review`.
struct ReviewCopyJSON: Codable, Sendable {
    var id: String
    var source: String
    /// False when the recording already had a copy.
    var created: Bool
    var dueOn: CivilDate?
}

/// A list with its count.
struct ListJSON<Item: Codable & Sendable>: Codable, Sendable {
    var count: Int
    var items: [Item]
}

enum DisposalDays {
    /// Whole days from `today` (UTC) to a due date; negative once overdue.
    static func until(_ due: CivilDate?, today: Date) -> Int? {
        guard let due else { return nil }
        return due.daysSince1970 - CivilDate(today).daysSince1970
    }
}

extension RecordingSummaryJSON {
    init(_ record: RecordingRecord, scopes: [String], today: Date) {
        self.init(id: record.id.description, session: record.session, patientPseudonym: record.patient, clinician: record.clinician,
                  retentionClass: record.retentionClass, mediaType: record.mediaType, byteCount: record.byteCount,
                  capturedOn: record.capturedOn, createdAt: record.createdAt, consentScopes: scopes, dueOn: record.dueOn,
                  daysUntilDisposal: DisposalDays.until(record.dueOn, today: today), derivedFrom: record.sourceID?.description)
    }
}
