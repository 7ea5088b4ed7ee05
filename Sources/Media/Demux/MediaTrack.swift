/// One track of a WebM/Matroska input, as its TrackEntry describes it.
public struct MediaTrack: Sendable, Hashable {
    /// What a track carries.
    public enum Kind: String, Sendable, Hashable {
        case video, audio, other
    }

    /// The TrackNumber that blocks refer to.
    public var number: UInt64
    /// Video, audio or something else (subtitles, metadata).
    public var kind: Kind
    /// The Matroska codec ID, e.g. "V_VP8", "V_VP9", "A_OPUS".
    public var codecID: String
    /// CodecPrivate (for Opus, the "OpusHead" identification header).
    public var codecPrivate: [UInt8]
    /// PixelWidth and PixelHeight; frames may change size later (key frames carry their own size).
    public var width: Int?
    public var height: Int?
    /// Audio channels and sampling frequency.
    public var channels: Int?
    public var sampleRate: Double?
    /// CodecDelay and SeekPreRoll in nanoseconds.
    public var codecDelayNs: Int64 = 0
    public var seekPreRollNs: Int64 = 0
    /// DefaultDuration in nanoseconds, when given.
    public var defaultDurationNs: Int64?
    /// Whether the track declares ContentEncodings (compression or encryption), which this module does not undo.
    public var hasContentEncoding = false

    /// Creates a track description.
    public init(number: UInt64, kind: Kind, codecID: String) {
        self.number = number
        self.kind = kind
        self.codecID = codecID
        self.codecPrivate = []
    }

    /// A short codec name: "VP8", "VP9", "AV1", "H.264", "Opus", "Vorbis", or the raw codec ID.
    public var codecName: String {
        switch codecID {
        case "V_VP8": return "VP8"
        case "V_VP9": return "VP9"
        case "V_AV1": return "AV1"
        case "V_MPEG4/ISO/AVC": return "H.264"
        case "V_MPEGH/ISO/HEVC": return "H.265"
        case "A_OPUS": return "Opus"
        case "A_VORBIS": return "Vorbis"
        case "A_AAC": return "AAC"
        default: return codecID
        }
    }
}
