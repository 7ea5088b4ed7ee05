/// One coded frame of one track, in decode order.
public struct MediaPacket: Sendable, Hashable {
    /// The TrackNumber of the track the frame belongs to.
    public var track: UInt64
    /// The block timestamp in nanoseconds (Cluster Timestamp plus the block's offset, times
    /// TimestampScale). For audio with a CodecDelay, subtract it to get the presentation time.
    public var timestampNs: Int64
    /// The frame's duration in nanoseconds, when the container gives it (BlockDuration, lacing).
    public var durationNs: Int64?
    /// Whether the frame is a key frame (SimpleBlock flag, or a Block without ReferenceBlock).
    public var isKeyframe: Bool
    /// DiscardPadding in nanoseconds (audio samples to drop at the end of this frame).
    public var discardPaddingNs: Int64
    /// The coded frame.
    public var data: [UInt8]

    /// Creates a packet.
    public init(
        track: UInt64, timestampNs: Int64, durationNs: Int64? = nil, isKeyframe: Bool, discardPaddingNs: Int64 = 0,
        data: [UInt8]
    ) {
        self.track = track
        self.timestampNs = timestampNs
        self.durationNs = durationNs
        self.isKeyframe = isKeyframe
        self.discardPaddingNs = discardPaddingNs
        self.data = data
    }
}

/// What the demuxer found next: the track list (once, before any packet), or a packet.
public enum DemuxEvent: Sendable {
    case tracks([MediaTrack])
    case packet(MediaPacket)
}
