import Foundation
import VaultIndex

/// Why an item of a subject-access bundle was withheld, as the patient is told it (the officer's
/// own reason stays in the review, never in the bundle).
public enum SubjectAccessExclusion: String, Sendable, CaseIterable, Codable {
    /// Information about other people (DPA 2018 Sch. 2 Part 3 para 16): e.g. a group session.
    case thirdParty = "third-party"
    /// An appropriate health professional's opinion that disclosure would be likely to cause
    /// serious harm (DPA 2018 Sch. 3 Part 2 para 5). Recorded only with the opinion itself.
    case seriousHarm = "serious-harm"
    /// Another exemption of the DPA 2018, cited in the officer's reason.
    case otherExemption = "other-exemption"

    /// The wording the bundle's index uses.
    public var patientWording: String {
        switch self {
        case .thirdParty: return "it holds information about other people, and releasing it to you would not be fair to them"
        case .seriousHarm:
            return "a health professional's opinion is that releasing it would be likely to cause serious harm to your, "
                + "or someone else's, physical or mental health"
        case .otherExemption: return "an exemption in the Data Protection Act 2018 applies to it"
        }
    }
}

/// Everything a patient's subject-access bundle could hold, read from the catalog at one time.
struct SubjectAccessContents {
    var pseudonym: String
    /// The recordings as exported: originals, or their stored review copies where asked for.
    var recordings: [RecordingRecord]
    var consents: [ConsentRecord]
    /// Sessions whose consent records other participants.
    var groupSessions: Set<String>
    var holds: [HoldRecord]
    var destructions: [DestructionRecord]
    var accessLog: [AuditEntry]

    /// The flag of an item that needs a decision before release.
    static let otherParticipantsFlag = "other-participants"

    /// The items a bundle of these contents would release, in bundle order: each recording, then
    /// the logs. A recording of a session with other participants is flagged and pending (left
    /// out until an officer decides); everything else is included.
    var items: [AccessReviewItem] {
        var items = recordings.map { record in
            let flagged = groupSessions.contains(record.session)
            return AccessReviewItem(key: record.id.description, kind: .recording, recording: record.id, session: record.session,
                                    capturedOn: record.capturedOn, flag: flagged ? Self.otherParticipantsFlag : nil,
                                    decision: flagged ? .pending : .include)
        }
        for kind in [AccessReviewItem.Kind.consentHistory, .accessLog, .destructionRecords] {
            items.append(AccessReviewItem(key: kind.rawValue, kind: kind, decision: .include))
        }
        return items
    }

    /// How the patient's recordings differ from those a review was drafted for: recordings gone
    /// (destroyed, or no longer the copy exported), added, or whose other-participants flag changed.
    func changes(since review: AccessReviewRecord) -> [String] {
        let now = Dictionary(items.filter { $0.kind == .recording }.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let then = Dictionary(review.items.filter { $0.kind == .recording }.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var changes: [String] = []
        for item in review.items where item.kind == .recording {
            guard let current = now[item.key] else {
                changes.append("recording \(item.key) is no longer in the vault (destroyed, or replaced by another copy)")
                continue
            }
            if current.flag != item.flag {
                changes.append(current.flag == nil ? "recording \(item.key) no longer has other participants on record"
                                                   : "recording \(item.key) now has other participants on record")
            }
        }
        for item in items where item.kind == .recording && then[item.key] == nil {
            changes.append("recording \(item.key) (session \(item.session ?? "?"), \(item.capturedOn?.description ?? "?")) was added since the draft")
        }
        return changes
    }
}

extension Vault {
    /// Reads what a patient's bundle could hold.
    func subjectAccessContents(pseudonym: String, reviewCopies: Bool) async throws -> SubjectAccessContents {
        let all = try await catalog.recordings(RecordingFilter(patient: pseudonym))
        let originals = all.filter { $0.sourceID == nil }
        let copies = Dictionary(all.compactMap { r in r.sourceID.map { ($0, r) } }, uniquingKeysWith: { a, b in a.createdAt > b.createdAt ? a : b })
        let recordings = reviewCopies ? originals.map { copies[$0.id] ?? $0 } : originals
        var consents: [ConsentRecord] = []
        for session in Set(recordings.map(\.session)).sorted() { consents += try await self.consents(of: session) }
        let groupSessions = Set(consents.filter(\.otherParticipants).map(\.session))
        let holds = try await catalog.holds(includeReleased: false).filter { hold in
            hold.patient == pseudonym || recordings.contains { $0.id == hold.recording }
        }
        let destructions = try await catalog.destructionRecords(since: nil, limit: 1_000_000).filter { $0.patient == pseudonym }
        let accessLog = try await auditLog(patientPseudonym: pseudonym).filter { $0.draft.action == "get" || $0.draft.action.hasPrefix("export") }
        return SubjectAccessContents(pseudonym: pseudonym, recordings: recordings, consents: consents, groupSessions: groupSessions, holds: holds,
                                     destructions: destructions, accessLog: accessLog)
    }
}
