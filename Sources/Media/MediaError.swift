/// The one error type of the Media module: what failed, where in the input, and why.
///
/// Messages name the problem (a codec, an element, a limit) and a byte offset; they never carry
/// media content, keys or identifiers of the recording.
public struct MediaError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; stable for callers to branch on.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The input has no bytes at all.
        case emptyInput
        /// The input is not a WebM/Matroska (or, for probing, Ogg) file.
        case notMedia
        /// The input is structurally invalid (bad element ID, a size that overruns its parent, bad lacing).
        case malformed
        /// The input ends before the part needed (e.g. before its track list).
        case truncated
        /// The input asks for more than a fixed bound allows (element size, depth, track count).
        case limitExceeded
        /// A track uses a codec that this module cannot decode (e.g. AV1, H.264).
        case unsupportedCodec
        /// The container uses a feature this module does not support (e.g. encrypted or compressed tracks).
        case unsupportedFeature
        /// The input has no track that the requested profile can use.
        case noUsableTrack
        /// libvpx or libopus reported an error.
        case codecFailure
        /// The byte source threw.
        case sourceFailed
        /// The byte sink threw.
        case sinkFailed
        /// The task was cancelled.
        case cancelled
    }

    /// What kind of failure this is.
    public var code: Code
    /// A human-readable explanation naming the problem.
    public var message: String
    /// The byte offset in the input where the problem was found, when known.
    public var offset: Int64?
    /// The underlying error (from a source, a sink or a C library), when there is one.
    public var cause: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, offset: Int64? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
        self.cause = cause
    }

    /// The code, the message, the offset and the cause.
    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let offset { text += " (at byte \(offset))" }
        if let cause { text += " [cause: \(cause)]" }
        return text
    }
}
