/// What a media file is, as far as a probe or a transcode could tell: stored in the catalog beside
/// a recording and reported for every review copy.
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

    /// Creates facts.
    public init(
        container: String, durationSeconds: Double? = nil, videoCodec: String? = nil, audioCodec: String? = nil,
        width: Int? = nil, height: Int? = nil, audioChannels: Int? = nil, audioSampleRate: Int? = nil
    ) {
        self.container = container
        self.durationSeconds = durationSeconds
        self.videoCodec = videoCodec
        self.audioCodec = audioCodec
        self.width = width
        self.height = height
        self.audioChannels = audioChannels
        self.audioSampleRate = audioSampleRate
    }

    /// Facts for a Matroska/WebM track list.
    init(docType: String, tracks: [MediaTrack], durationNs: Int64?) {
        let video = tracks.first { $0.kind == .video }
        let audio = tracks.first { $0.kind == .audio }
        self.init(
            container: docType, durationSeconds: durationNs.map { Double($0) / 1e9 }, videoCodec: video?.codecName,
            audioCodec: audio?.codecName, width: video?.width, height: video?.height, audioChannels: audio?.channels,
            audioSampleRate: audio?.sampleRate.map { Int($0.rounded()) })
    }
}
