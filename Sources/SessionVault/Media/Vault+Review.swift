import Foundation
public import Media
import VaultCrypto
public import VaultIndex
import Retention

/// What `review` made.
public struct ReviewSummary: Sendable, Codable {
    public var source: String
    public var profile: String
    public var contentType: String
    public var bytes: Int64
    public var facts: MediaFacts
    public var warnings: [String]
    /// The derived recording, with `--store`.
    public var stored: String?
}

/// Collects a review copy in memory on its way into the vault (`review --store`).
struct BufferSink: MediaRewritableByteSink {
    var bytes: [UInt8] = []
    mutating func write(_ chunk: ArraySlice<UInt8>) async throws { bytes.append(contentsOf: chunk) }
    mutating func rewrite(at offset: Int64, with chunk: [UInt8]) async throws {
        bytes.replaceSubrange(Int(offset)..<(Int(offset) + chunk.count), with: chunk)
    }
}

extension Vault {
    /// Reads a recording's media facts by streaming it (as `role`) through the probe, and stores them.
    public func probe(_ id: RecordingID, as role: UnlockedRole, actor: String) async throws(VaultError) -> MediaFacts? {
        try await vaultBoundary {
            let opened = try await open(id, as: role, actor: actor, purpose: "probe")
            var source = try await RecordingSource(vault: self, opened: opened)
            var probe = MediaProbe()
            while let bytes = try await source.read(maxCount: 1 << 20) {
                bytes.withUnsafeBytes { probe.consume($0) }
            }
            let facts = probe.facts()
            if let facts { try await catalog.setMediaFacts(id, facts) }
            return facts
        }
    }

    /// Makes a review copy of a recording, streaming it decrypted from the store into the
    /// transcoder and the copy into `sink`; nothing is written to disk unless the sink is a file.
    public func review<Sink: MediaRewritableByteSink>(_ id: RecordingID, as role: UnlockedRole, profile: ReviewProfile, to sink: inout Sink,
                                                       actor: String) async throws(VaultError) -> ReviewSummary {
        try await vaultBoundary {
            try await transcodeForReview(id, as: role, profile: profile, actor: actor) { source in
                try await ReviewTranscoder(profile: profile).run(source: &source, sink: &sink)
            }
        }
    }

    /// The same into a forward-only sink (stdout, a network stream): a `review` copy is then held in
    /// memory until its header can be written (about 3 MiB per minute of session).
    public func review<Sink: MediaByteSink>(_ id: RecordingID, as role: UnlockedRole, profile: ReviewProfile, streamingTo sink: inout Sink,
                                             actor: String) async throws(VaultError) -> ReviewSummary {
        try await vaultBoundary {
            try await transcodeForReview(id, as: role, profile: profile, actor: actor) { source in
                try await ReviewTranscoder(profile: profile).run(source: &source, sink: &sink)
            }
        }
    }

    /// Opens the recording for review (one audited access), runs `transcode` from its decrypted
    /// stream and summarises the copy. The two `review` overloads differ only in the sink they hand on.
    private func transcodeForReview(_ id: RecordingID, as role: UnlockedRole, profile: ReviewProfile, actor: String,
                                    _ transcode: (inout RecordingSource) async throws -> TranscodeReport) async throws -> ReviewSummary {
        let opened = try await open(id, as: role, actor: actor, purpose: "review", detail: "profile \(profile.rawValue)")
        var source = try await RecordingSource(vault: self, opened: opened)
        let report = try await transcode(&source)
        return ReviewSummary(source: id.description, profile: profile.rawValue, contentType: profile.outputContentType, bytes: report.outputBytes,
                             facts: report.output, warnings: report.warnings.map(\.description), stored: nil)
    }

    /// Makes a review copy and stores it in the vault as a derived recording: same session (so
    /// the same consent and wraps), retention class `review-copy`, linked to its source. The copy
    /// is held in memory on its way in (a review copy is a few MiB per hour of session).
    public func reviewAndStore(_ id: RecordingID, as role: UnlockedRole, profile: ReviewProfile, retentionClass: String = "review-copy",
                               actor: String) async throws(VaultError) -> ReviewSummary {
        try await vaultBoundary {
            var buffer = BufferSink()
            var summary = try await review(id, as: role, profile: profile, to: &buffer, actor: actor)
            let sourceRecord = try await liveRecording(id)
            var reader = BufferChunkReader(bytes: buffer.bytes)
            let ingested = try await ingest(IngestRequest(session: sourceRecord.session, clinician: sourceRecord.clinician, retentionClass: retentionClass,
                                                          source: id, capturedOn: sourceRecord.capturedOn, actor: actor), from: &reader)
            summary.stored = ingested.id.description
            return summary
        }
    }

    /// The stored review copies derived from a recording.
    public func derivedRecordings(of id: RecordingID) async throws(VaultError) -> [RecordingRecord] {
        try await vaultBoundary {
            _ = try await liveRecording(id)
            return try await catalog.recordings(RecordingFilter(source: id, states: [.live]))
        }
    }
}
