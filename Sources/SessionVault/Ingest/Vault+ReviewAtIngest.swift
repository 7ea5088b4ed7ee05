import Foundation
import Media
public import VaultModel

/// What became of the review copy an ingest was asked to make on the way in.
public struct ReviewAtIngestOutcome: Sendable, Codable, Equatable {
    /// The stored copy (a derived recording of class `review-copy`), or nil if none was made.
    public var copy: RecordingID?
    /// Why no copy was made (the media type or codec the transcoder does not take, or what failed).
    public var skipped: String?
    /// Seconds from the start of the ingest until the copy was stored (or given up); the original's
    /// commit came at ``IngestSummary/seconds``.
    public var seconds: Double?
    /// True when the ingest returned with the copy still being made
    /// (``IngestRequest/reviewCopyInBackground``); nil otherwise.
    public var pending: Bool?

    public init(copy: RecordingID? = nil, skipped: String? = nil, seconds: Double? = nil, pending: Bool? = nil) {
        self.copy = copy
        self.skipped = skipped
        self.seconds = seconds
        self.pending = pending
    }
}

/// A review transcode running beside an ingest: the tee the sealing loop feeds, and the task that
/// reads it and holds the copy in memory (a few MiB per hour of session) until the original is committed.
struct ReviewAtIngestRun: Sendable {
    let tee: PlaintextTee
    let transcode: Task<(TranscodeReport, [UInt8]), any Error>

    /// Plaintext bytes the transcoder may fall behind the sealer before the sealer waits.
    static func budget(chunkSize: Int) -> Int { max(2 * chunkSize, 16 << 20) }

    /// Starts the transcode. An ingest that returns at the original's commit (`inBackground`) is
    /// timed by the upload alone: its copy uses one VP8 decoder lane and runs at a lower CPU
    /// priority, so that the sealer, the uploading client and other requests come first. A copy the
    /// ingest waits for gets every lane and the usual priority, and is ready sooner.
    static func start(chunkSize: Int, inBackground: Bool) -> ReviewAtIngestRun {
        let tee = PlaintextTee(budget: budget(chunkSize: chunkSize))
        var options = TranscodeOptions()
        if inBackground {
            options.decoderLanes = 1
            options.niceIncrement = Vault.backgroundNiceIncrement
        }
        let transcode = Task { () throws -> (TranscodeReport, [UInt8]) in
            var source = TeeByteSource(tee: tee)
            var sink = BufferSink()
            do {
                let report = try await ReviewTranscoder(profile: .review, options: options).run(source: &source, sink: &sink)
                await tee.abandon()
                return (report, sink.bytes)
            } catch {
                // The sealer must never wait on a transcoder that has stopped reading.
                await tee.abandon()
                throw error
            }
        }
        return ReviewAtIngestRun(tee: tee, transcode: transcode)
    }

    /// Stops the transcode (the ingest failed) and waits for it to let go of its buffers.
    func cancel() async {
        transcode.cancel()
        await tee.abandon()
        _ = try? await transcode.value
    }
}

extension Vault {
    /// Whether an ingest of `request` makes its review copy on the way in: an original (not a copy)
    /// of a class named in `[review] at_ingest`.
    func makesReviewAtIngest(_ request: IngestRequest) -> Bool {
        request.source == nil && config.reviewAtIngest.contains(request.retentionClass)
    }

    /// Stores the review copy made during the ingest of `original` as a derived recording, through
    /// the ordinary ingest (its own staging row, chunks and commit with its audit entry), after the
    /// original's commit: a crash before the copy's commit leaves the original whole and no copy
    /// (gc collects the copy's staged chunks); a later review request makes it the old way.
    ///
    /// Never throws: a copy that could not be made or stored is reported, and audited as a `review`
    /// of the original with outcome `skipped` and the reason.
    func finishReviewAtIngest(_ run: ReviewAtIngestRun, original id: RecordingID, mediaType: String, request: IngestRequest,
                              capturedOn: CivilDate) async -> ReviewAtIngestOutcome {
        guard Self.reviewTranscoderTakes(mediaType) else {
            await run.cancel()
            return ReviewAtIngestOutcome(skipped: "\(mediaType) is not a WebM or Ogg recording")
        }
        let bytes: [UInt8]
        do {
            bytes = try await run.transcode.value.1
        } catch {
            return await reviewSkipped(id, request: request, reason: "the transcoder refused it: \(Self.reason(error))")
        }
        reached(.reviewAtIngestBeforeChunks)
        do {
            var reader = BufferChunkReader(bytes: bytes)
            var copyRequest = IngestRequest(session: request.session, clinician: request.clinician, retentionClass: "review-copy",
                                            source: id, capturedOn: capturedOn, actor: request.actor)
            copyRequest.madeAtIngest = true
            let stored = try await ingest(copyRequest, from: &reader)
            reached(.reviewAtIngestAfterCommit)
            return ReviewAtIngestOutcome(copy: stored.id)
        } catch {
            return await reviewSkipped(id, request: request, reason: "storing it failed: \(Self.reason(error))")
        }
    }

    /// How many `nice` steps below the service a review copy made in the background runs.
    static let backgroundNiceIncrement: Int32 = 10

    /// Whether the review transcoder reads recordings of `mediaType` (WebM, Matroska, Ogg); the
    /// codecs inside are checked when it reads them. Anything else is not teed at ingest at all.
    public static func reviewTranscoderTakes(_ mediaType: String) -> Bool {
        ["video/webm", "video/x-matroska", "audio/ogg"].contains(mediaType)
    }

    private static func reason(_ error: any Error) -> String {
        String(String(describing: error).prefix(240))
    }

    private func reviewSkipped(_ id: RecordingID, request: IngestRequest, reason: String) async -> ReviewAtIngestOutcome {
        // Best effort: the original is committed whatever happens here.
        try? await catalog.appendAudit(AuditDraft(actor: request.actor, action: .review, target: id.description, purpose: "review at ingest",
                                                  outcome: "skipped", detail: "no review copy made at ingest: \(reason)"))
        return ReviewAtIngestOutcome(skipped: reason)
    }
}
