/// A run of packets in stream order for one VP8 decoder lane: video packets with whether their
/// picture is kept, and the audio packets that came between them (passed through, so the encoding
/// stage sees everything in source order). A unit that starts at a key frame can go to any lane;
/// the others continue their lane's previous unit.
struct DecodeUnit: Sendable {
    enum Item: Sendable {
        case video(MediaPacket, keep: Bool)
        case audio(MediaPacket)
    }

    /// Video packets per unit: a second at 30 fps, about 5 MB of kept 640x360 frames.
    static let maxVideoPackets = 30
    /// Items per unit, for stretches of audio with no video.
    static let maxItems = 120

    var items: [Item] = []
    var videoPackets = 0
    /// The output size, known from the first key frame (nil before it: nothing is kept then).
    var scaler: FrameScaler?

    var isFull: Bool { videoPackets >= Self.maxVideoPackets || items.count >= Self.maxItems }
}
