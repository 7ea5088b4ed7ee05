/// Fixed bounds on what the demuxer accepts, so hostile input cannot make it allocate or nest
/// without limit. Exceeding one is a `MediaError` with code `.limitExceeded`.
public struct DemuxLimits: Sendable, Hashable {
    /// The largest element payload read into memory: one (Simple)Block, one CodecPrivate.
    public var maxPayloadSize: Int
    /// The deepest nesting of master elements.
    public var maxDepth: Int
    /// The most tracks a file may declare.
    public var maxTracks: Int
    /// How many bytes to ask the source for at a time.
    public var readSize: Int

    /// Creates limits; the defaults fit any real recording (a 4K key frame is a few MiB).
    public init(maxPayloadSize: Int = 32 << 20, maxDepth: Int = 12, maxTracks: Int = 32, readSize: Int = 256 << 10) {
        self.maxPayloadSize = maxPayloadSize
        self.maxDepth = maxDepth
        self.maxTracks = maxTracks
        self.readSize = readSize
    }
}
