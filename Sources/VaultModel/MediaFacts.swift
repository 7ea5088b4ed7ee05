/// What a media file is, as far as a probe or a transcode could tell: stored in the catalog beside
/// a recording and reported for every review copy. Defined in the shared model so catalog rows
/// can hold it; how a probe finds the facts is Media's.
public struct MediaFacts: Sendable, Codable, Hashable {
    /// "webm", "matroska" or "ogg".
    public var container: String
    /// The duration in seconds: the stated one, or else the end of the last frame seen.
    public var durationSeconds: Double?
    /// "VP8", "VP9", or another codec's name or ID (e.g. "AV1", "H.264").
    public var videoCodec: String?
    /// "Opus", "Vorbis", or another codec's name or ID.
    public var audioCodec: String?
    /// The video track's declared size.
    public var width: Int?
    public var height: Int?
    /// The audio track's channel count and sample rate.
    public var audioChannels: Int?
    public var audioSampleRate: Int?
    /// When the file says it was made (Matroska/WebM DateUTC), in whole seconds since 1970-01-01
    /// UTC; nil when it does not say.
    public var createdUnixSeconds: Int64?

    /// Creates facts.
    public init(
        container: String, durationSeconds: Double? = nil, videoCodec: String? = nil, audioCodec: String? = nil,
        width: Int? = nil, height: Int? = nil, audioChannels: Int? = nil, audioSampleRate: Int? = nil, createdUnixSeconds: Int64? = nil
    ) {
        self.createdUnixSeconds = createdUnixSeconds
        self.container = container
        self.durationSeconds = durationSeconds
        self.videoCodec = videoCodec
        self.audioCodec = audioCodec
        self.width = width
        self.height = height
        self.audioChannels = audioChannels
        self.audioSampleRate = audioSampleRate
    }
}
