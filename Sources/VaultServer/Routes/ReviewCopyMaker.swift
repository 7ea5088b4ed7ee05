import Media
import SessionVault

/// Makes a recording's review copy when asked (`POST /api/recordings/{id}/review`), once: it
/// transcodes a WebM, Matroska or Ogg recording (Media's review profile) and stores the result as a derived
/// recording (same session, so the same consent and wraps); concurrent requests wait for that
/// one transcode instead of starting their own. `GET /review` then serves the copy with Range.
actor ReviewCopyMaker {
    let vault: Vault
    var inFlight: [RecordingID: Task<RecordingID, any Error>] = [:]

    init(vault: Vault) { self.vault = vault }

    /// Whether a recording is something the transcoder takes: an original in a container it reads
    /// (its codecs are checked as it reads them: 422 if it refuses them).
    static func canTranscode(_ record: RecordingRecord) -> Bool {
        record.sourceID == nil && Vault.reviewTranscoderTakes(record.mediaType)
    }

    /// The id of the stored copy, made now if needed.
    func copy(of id: RecordingID, as role: UnlockedRole, actor: String) async throws -> RecordingID {
        if let running = inFlight[id] { return try await running.value }
        let vault = self.vault
        let task = Task { () throws -> RecordingID in
            let summary = try await vault.reviewAndStore(id, as: role, profile: .review, actor: actor)
            guard let stored = summary.stored, let storedID = RecordingID(stored) else {
                throw VaultError.invalidArgument("the review copy of \(id) was not stored")
            }
            return storedID
        }
        inFlight[id] = task
        defer { inFlight[id] = nil }
        return try await task.value
    }
}
