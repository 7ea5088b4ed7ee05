import Foundation
import Retention
import SessionVault

/// `GET /api/whoami`: who the caller is, whether their role has the records officer's view, and,
/// for a session opened through the identity provider, the token its changes must carry.
struct WhoAmIJSON: Codable, Sendable {
    var name: String
    var role: String
    var officer: Bool
    var csrfToken: String?
}

/// One recording waiting for a records officer's review (`GET /api/officer/dispositions`).
struct DispositionJSON: Codable, Sendable {
    var recording: String
    var status: String
    var dueOn: CivilDate
    var rule: String?
    var queuedAt: Date

    init(_ record: DispositionRecord) {
        recording = record.recording.description
        status = record.status.rawValue
        dueOn = record.dueOn
        rule = record.rule
        queuedAt = record.queuedAt
    }
}

/// One legal hold (`GET /api/officer/holds`); a patient hold shows the start of the pseudonym only.
struct HoldJSON: Codable, Sendable {
    var id: Int64
    var recording: String?
    var patientPseudonym: String?
    var reason: String
    var caseRef: String
    var placedBy: String
    var placedOn: CivilDate
    var releasedOn: CivilDate?

    init(_ hold: HoldRecord) {
        id = hold.id ?? 0
        recording = hold.recording?.description
        patientPseudonym = hold.patient.map { String($0.prefix(12)) }
        reason = hold.reason
        caseRef = hold.caseRef
        placedBy = hold.placedBy
        placedOn = CivilDate(hold.placedAt)
        releasedOn = hold.releasedAt.map { CivilDate($0) }
    }
}

/// The body of every records officer's act from the page. `passphrase` is the officer's own, asked
/// for each act (step-up); it is turned into zeroable bytes at once and never stored or logged.
struct OfficerActBody: Decodable {
    var passphrase: String
    var reason: String?
    var until: String?
    var recording: String?
    var patient: String?
    var ref: String?
}

/// What an officer's act did, for the page to say.
struct OfficerActJSON: Codable, Sendable {
    var done: String
    var by: String
    var hold: Int64?
    var review: Int64?
}
