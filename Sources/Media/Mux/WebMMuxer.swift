public import VaultModel

/// Writes a seekable WebM file: EBML header, a Segment with a SeekHead (pointing to Info, Tracks
/// and Cues), Info with Duration, Tracks, Clusters that each start with a video key frame and span
/// at most a few seconds, and Cues that index every cluster.
///
/// A seekable file needs its index position and duration at the front, which are known only at the
/// end. Two layouts solve that:
/// - `.buffered` (any sink): clusters are kept in memory and the whole file is written by
///   `finish(to:)`. Memory grows with the output (about 3.3 MB per minute for the review profile).
/// - `.rewritable` (a `MediaRewritableByteSink`): the header is written first with placeholders,
///   each cluster is written as soon as it closes, and `finish(rewriting:)` patches the header.
///   Until then the file reads as a live stream (unknown-size Segment).
public struct WebMMuxer: Sendable {
    /// Where the clusters wait before the header can be written.
    public enum Layout: Sendable, Hashable {
        case buffered
        case rewritable
    }

    /// Cluster and layout settings.
    public struct Options: Sendable, Hashable {
        /// The longest a cluster may span; with video, clusters also start at every key frame.
        public var maxClusterDurationNs: Int64
        /// Cluster length for files without video.
        public var audioClusterDurationNs: Int64
        /// Where clusters wait before the header can be written.
        public var layout: Layout
        /// The MuxingApp and WritingApp written in Info.
        public var writingApp: String

        /// Creates options.
        public init(
            maxClusterDurationNs: Int64 = 5_000_000_000, audioClusterDurationNs: Int64 = 2_000_000_000,
            layout: Layout = .buffered, writingApp: String = "SessionVault Media"
        ) {
            self.maxClusterDurationNs = maxClusterDurationNs
            self.audioClusterDurationNs = audioClusterDurationNs
            self.layout = layout
            self.writingApp = writingApp
        }
    }

    struct CuePoint {
        let timeMs: Int64
        let track: UInt64
        let position: Int64
    }

    let tracks: [MediaTrack]
    let options: Options
    /// The track whose key frames start clusters and are indexed (video if present).
    let cueTrack: UInt64
    private let cueTrackIsVideo: Bool
    let timestampScale: Int64 = 1_000_000

    private var body: [UInt8] = []
    /// Bytes of body already handed to the sink (rewritable layout).
    private var bodyFlushed: Int64 = 0
    private var cluster: [UInt8] = []
    private var clusterTimeMs: Int64 = 0
    private var clusterStartsWithCue = false
    private(set) var cues: [CuePoint] = []
    private var endNs: Int64 = 0
    private var startedStreaming = false
    private var headerLength = 0

    /// Creates a muxer for `tracks` (numbers, codecs, sizes; for Opus, CodecPrivate, CodecDelay and
    /// SeekPreRoll are written as given).
    public init(tracks: [MediaTrack], options: Options = Options()) throws(MediaError) {
        guard !tracks.isEmpty, Set(tracks.map(\.number)).count == tracks.count, tracks.allSatisfy({ (1...126).contains($0.number) })
        else { throw MediaError(.noUsableTrack, "the muxer needs distinct track numbers between 1 and 126") }
        self.tracks = tracks
        self.options = options
        let video = tracks.first { $0.kind == .video }
        cueTrack = (video ?? tracks[0]).number
        cueTrackIsVideo = video != nil
        headerLength = header(durationNs: 0, segmentSize: nil, cuesPosition: 0).count
    }

    /// Adds a packet. Packets must come in timestamp order across tracks (within a few
    /// milliseconds); audio is written as key frames.
    public mutating func add(_ packet: MediaPacket, to sink: inout some ByteSink) async throws(MediaError) {
        if options.layout == .rewritable && !startedStreaming {
            startedStreaming = true
            try await write(header(durationNs: 0, segmentSize: nil, cuesPosition: 0), to: &sink)
        }
        let timeMs = max(0, packet.timestampNs.clampedAdding(timestampScale / 2) / timestampScale)
        let isCue = packet.track == cueTrack && (packet.isKeyframe || !cueTrackIsVideo)
        if !cluster.isEmpty {
            let span = (timeMs - clusterTimeMs) * timestampScale
            let limit = cueTrackIsVideo ? options.maxClusterDurationNs : options.audioClusterDurationNs
            if (cueTrackIsVideo && isCue && packet.track == cueTrack) || span >= limit || timeMs - clusterTimeMs > Int64(Int16.max)
                || timeMs < clusterTimeMs
            {
                closeCluster()
                if options.layout == .rewritable { try await flushBody(to: &sink) }
            }
        }
        if cluster.isEmpty {
            clusterTimeMs = timeMs
            clusterStartsWithCue = isCue
        }
        appendBlock(packet, relative: Int16(timeMs - clusterTimeMs))
        endNs = max(endNs, packet.timestampNs.clampedAdding(max(0, packet.durationNs ?? 0)))
    }

    /// Sets the end of the file's timeline (the Duration), if it is later than the last packet's end.
    public mutating func extendDuration(toNs end: Int64) {
        endNs = max(endNs, end)
    }

    /// Writes the whole file (`.buffered` layout).
    public mutating func finish(to sink: inout some ByteSink) async throws(MediaError) {
        guard options.layout == .buffered else {
            throw MediaError(.unsupportedFeature, "the rewritable layout must be finished with finish(rewriting:)")
        }
        closeCluster()
        let cuesPosition = Int64(headerLength - segmentDataStart) + Int64(body.count)
        let cuesBytes = cuesElement()
        let segmentSize = UInt64(cuesPosition) + UInt64(cuesBytes.count)
        try await write(header(durationNs: endNs, segmentSize: segmentSize, cuesPosition: cuesPosition), to: &sink)
        try await write(body, to: &sink)
        body = []
        try await write(cuesBytes, to: &sink)
    }

    /// Finishes the file on a sink that can patch its header (either layout).
    public mutating func finish(rewriting sink: inout some MediaRewritableByteSink) async throws(MediaError) {
        guard options.layout == .rewritable else { return try await finish(to: &sink) }
        if !startedStreaming {
            startedStreaming = true
            try await write(header(durationNs: 0, segmentSize: nil, cuesPosition: 0), to: &sink)
        }
        closeCluster()
        try await flushBody(to: &sink)
        let cuesPosition = Int64(headerLength - segmentDataStart) + bodyFlushed
        let cuesBytes = cuesElement()
        try await write(cuesBytes, to: &sink)
        let segmentSize = UInt64(cuesPosition) + UInt64(cuesBytes.count)
        let final = header(durationNs: endNs, segmentSize: segmentSize, cuesPosition: cuesPosition)
        do {
            try await sink.rewrite(at: 0, with: final)
        } catch {
            throw MediaError(.sinkFailed, "patching the WebM header failed", cause: error)
        }
    }

    // MARK: - Clusters

    private mutating func appendBlock(_ packet: MediaPacket, relative: Int16) {
        var prefix: [UInt8] = [UInt8(0x80 | packet.track)]
        prefix += [UInt8(truncatingIfNeeded: UInt16(bitPattern: relative) >> 8), UInt8(truncatingIfNeeded: relative)]
        var writer = EBMLWriter()
        if packet.discardPaddingNs == 0 {
            let flags: UInt8 = packet.isKeyframe || packet.track != cueTrack || !cueTrackIsVideo ? 0x80 : 0
            writer.header(MatroskaID.simpleBlock, size: UInt64(prefix.count + 1 + packet.data.count))
            writer.append(prefix + [flags])
            writer.append(packet.data)
        } else {
            writer.master(MatroskaID.blockGroup) { g in
                g.header(MatroskaID.block, size: UInt64(prefix.count + 1 + packet.data.count))
                g.append(prefix + [0])
                g.append(packet.data)
                g.signed(MatroskaID.discardPadding, packet.discardPaddingNs)
            }
        }
        cluster += writer.bytes
    }

    private mutating func closeCluster() {
        guard !cluster.isEmpty else { return }
        let position = Int64(headerLength - segmentDataStart) + bodyFlushed + Int64(body.count)
        if clusterStartsWithCue { cues.append(CuePoint(timeMs: clusterTimeMs, track: cueTrack, position: position)) }
        var writer = EBMLWriter()
        var timestamp = EBMLWriter()
        timestamp.unsigned(MatroskaID.timestamp, UInt64(clusterTimeMs))
        writer.header(MatroskaID.cluster, size: UInt64(timestamp.bytes.count + cluster.count))
        body += writer.bytes
        body += timestamp.bytes
        body += cluster
        cluster.removeAll(keepingCapacity: true)
    }

    private mutating func flushBody(to sink: inout some ByteSink) async throws(MediaError) {
        guard !body.isEmpty else { return }
        try await write(body, to: &sink)
        bodyFlushed += Int64(body.count)
        body.removeAll(keepingCapacity: true)
    }

    private func write(_ bytes: [UInt8], to sink: inout some ByteSink) async throws(MediaError) {
        do {
            try await sink.write(bytes[...])
        } catch {
            throw MediaError(.sinkFailed, "writing the WebM output failed", cause: error)
        }
    }
}
