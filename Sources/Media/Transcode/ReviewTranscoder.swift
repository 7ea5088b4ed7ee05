public import VaultModel

/// Makes a review copy of a recording, reading the source once and writing the copy once, with
/// nothing on disk in between.
///
/// ```swift
/// let transcoder = ReviewTranscoder(profile: .review)
/// let report = try await transcoder.run(source: &decryptingReader, sink: &encryptingWriter)
/// ```
///
/// - `review`: VP8 at most 640x360 and 15 fps plus Opus mono 24 kbit/s in a seekable WebM file
///   (`video/webm`); decoding and encoding run in two tasks over a bounded queue.
/// - `audio`: Ogg Opus (`audio/ogg`); Opus audio is copied packet by packet, video is skipped
///   unread, and a file whose video cannot be decoded (AV1, H.264) still works.
///
/// A recording cut short yields a copy of everything before the cut and a `truncatedInput`
/// warning. Garbage, an empty file, or a codec that cannot be decoded throws a `MediaError` that
/// names the problem.
public struct ReviewTranscoder: Sendable {
    /// The profile this transcoder makes.
    public let profile: ReviewProfile
    /// The settings used.
    public let options: TranscodeOptions

    /// Creates a transcoder for `profile`.
    public init(profile: ReviewProfile, options: TranscodeOptions = TranscodeOptions()) {
        self.profile = profile
        self.options = options
    }

    /// The MIME type of the copy: `video/webm` or `audio/ogg`.
    public var outputContentType: String { profile.outputContentType }

    /// Reads the recording from `source` and writes the copy to `sink`.
    ///
    /// A `review` copy is held in memory until the end (its header needs the duration and index
    /// position); pass a `MediaRewritableByteSink` to stream it instead.
    public func run(source: inout some MediaByteSource, sink: inout some ByteSink) async throws(MediaError)
        -> TranscodeReport
    {
        var counting = CountingSink(sink)
        defer { sink = counting.base }
        var report: TranscodeReport
        switch profile {
        case .audio:
            report = try await AudioCopyPipeline(options: options).run(source: &source, sink: &counting)
        case .review:
            report = try await ReviewPipeline(options: options, layout: .buffered).run(source: &source, sink: &counting) {
                (mux, sink) async throws(MediaError) in try await mux.finish(to: &sink)
            }
        }
        report.outputBytes = counting.count
        return report
    }

    /// Reads the recording from `source` and writes the copy to a sink that can patch what it was
    /// given: a `review` copy streams cluster by cluster and its header is patched at the end.
    public func run(source: inout some MediaByteSource, sink: inout some MediaRewritableByteSink) async throws(MediaError)
        -> TranscodeReport
    {
        var counting = CountingSink(sink)
        defer { sink = counting.base }
        var report: TranscodeReport
        switch profile {
        case .audio:
            report = try await AudioCopyPipeline(options: options).run(source: &source, sink: &counting)
        case .review:
            report = try await ReviewPipeline(options: options, layout: .rewritable).run(source: &source, sink: &counting) {
                (mux, sink) async throws(MediaError) in try await mux.finish(rewriting: &sink)
            }
        }
        report.outputBytes = counting.count
        return report
    }
}
