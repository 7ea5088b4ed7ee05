/// Something a transcode noticed that did not stop it.
public struct TranscodeWarning: Sendable, Hashable, CustomStringConvertible {
    /// What kind of warning this is.
    public enum Code: String, Sendable, Hashable {
        /// The input ends inside an element (a recording cut short); everything before was used.
        case truncatedInput
        /// Frames that the decoder rejected; the copy resumes at the next key frame.
        case undecodableFrames
        /// Pictures changed size mid-stream; they are fitted into the first size.
        case resolutionChanged
        /// Gaps in the audio timeline were filled with silence.
        case audioGaps
        /// The input has no video (or no audio) track; the copy has none either.
        case missingTrack
    }

    /// What kind of warning this is.
    public var code: Code
    /// A human-readable explanation (no media content).
    public var message: String

    /// Creates a warning.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The code and the message.
    public var description: String { "\(code.rawValue): \(message)" }
}

/// What a transcode produced.
public struct TranscodeReport: Sendable {
    /// The profile used.
    public var profile: ReviewProfile
    /// Facts of the copy (container, codecs, size, duration).
    public var output: MediaFacts
    /// Facts of the input as demuxed.
    public var input: MediaFacts
    /// Video frames decoded, encoded, and dropped by the frame-rate reduction (decoded or not).
    public var framesDecoded = 0
    public var framesEncoded = 0
    public var framesDropped = 0
    /// Of the dropped frames, those left undecoded because no later frame depends on them.
    public var framesSkipped = 0
    /// Audio packets copied unchanged (fast path) or produced by re-encoding.
    public var audioPacketsCopied = 0
    public var audioPacketsEncoded = 0
    /// Bytes written to the sink.
    public var outputBytes: Int64 = 0
    /// Problems that did not stop the copy.
    public var warnings: [TranscodeWarning] = []

    init(profile: ReviewProfile, output: MediaFacts, input: MediaFacts) {
        self.profile = profile
        self.output = output
        self.input = input
    }
}
