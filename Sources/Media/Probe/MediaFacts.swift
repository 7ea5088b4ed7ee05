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

    /// Facts for a Matroska/WebM track list.
    init(docType: String, tracks: [MediaTrack], durationNs: Int64?, dateUTCNs: Int64? = nil) {
        let video = tracks.first { $0.kind == .video }
        let audio = tracks.first { $0.kind == .audio }
        self.init(
            container: docType, durationSeconds: durationNs.map { Double($0) / 1e9 }, videoCodec: video?.codecName,
            audioCodec: audio?.codecName, width: video?.width, height: video?.height, audioChannels: audio?.channels,
            audioSampleRate: audio?.sampleRate.map { Int($0.rounded()) },
            createdUnixSeconds: dateUTCNs.map(Self.unixSeconds(matroskaDateNs:)))
    }

    /// A Matroska date (nanoseconds since 2001-01-01T00:00:00 UTC) in whole seconds since 1970, rounded down.
    static func unixSeconds(matroskaDateNs ns: Int64) -> Int64 {
        let seconds = ns / 1_000_000_000 - (ns % 1_000_000_000 < 0 ? 1 : 0)
        return seconds + 978_307_200
    }
}
