public import VaultIndex

/// A live recording whose due date cannot be determined yet: its schedule rule waits for a patient
/// event (last contact, discharge, death) that has not been recorded.
public struct WaitingRecording: Sendable, Codable {
    public var id: RecordingID
    public var capturedOn: CivilDate
    public var retentionClass: String
    public var session: String
    public var patientPseudonym: String
    /// The schedule's words, e.g. "care: waiting for last-contact or death (...)".
    public var rule: String?
}

extension Vault {
    /// The `limit` oldest-captured live recordings waiting for a patient event, oldest first, and how
    /// many wait in all. Walks the catalog in pages, so memory is bounded by `limit` whatever its size.
    public func recordingsWaitingForEvents(limit: Int = 50) async throws(VaultError) -> (oldest: [WaitingRecording], total: Int) {
        try await vaultBoundary {
            var oldest: [RecordingRecord] = []
            var total = 0
            var after: RecordingID? = try RecordingID(bytes: [UInt8](repeating: 0, count: 16))
            while true {
                let page = try await catalog.recordings(RecordingFilter(dueUndetermined: true, limit: 1000, after: after))
                guard let last = page.last else { break }
                after = last.id
                total += page.count
                oldest += page
                if oldest.count > 4 * max(limit, 1) {
                    oldest = Array(oldest.sorted(by: Self.capturedFirst).prefix(limit))
                }
            }
            return (Array(oldest.sorted(by: Self.capturedFirst).prefix(max(limit, 0))).map {
                WaitingRecording(id: $0.id, capturedOn: $0.capturedOn, retentionClass: $0.retentionClass, session: $0.session,
                                 patientPseudonym: $0.patient, rule: $0.retentionRule)
            }, total)
        }
    }

    static func capturedFirst(_ a: RecordingRecord, _ b: RecordingRecord) -> Bool {
        (a.capturedOn, a.createdAt) < (b.capturedOn, b.createdAt)
    }
}
