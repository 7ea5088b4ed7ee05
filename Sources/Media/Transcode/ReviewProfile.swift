/// What kind of review copy to make.
public enum ReviewProfile: String, Sendable, CaseIterable {
    /// A small video copy: VP8 at most 640x360 and 15 fps, about 400 kbit/s, Opus mono 24 kbit/s,
    /// in a seekable WebM file.
    case review
    /// Audio only, as Ogg Opus. Opus audio is copied packet by packet without decoding.
    case audio

    /// The MIME type of the copy this profile makes.
    public var outputContentType: String {
        switch self {
        case .review: return "video/webm"
        case .audio: return "audio/ogg"
        }
    }

    /// The usual file name extension of the copy.
    public var fileExtension: String {
        switch self {
        case .review: return "webm"
        case .audio: return "opus"
        }
    }
}
