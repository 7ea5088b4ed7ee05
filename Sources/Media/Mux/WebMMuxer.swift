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

    private struct CuePoint {
        let timeMs: Int64
        let track: UInt64
        let position: Int64
    }

    private let tracks: [MediaTrack]
    private let options: Options
    /// The track whose key frames start clusters and are indexed (video if present).
    private let cueTrack: UInt64
    private let cueTrackIsVideo: Bool
    private let timestampScale: Int64 = 1_000_000

    private var body: [UInt8] = []
    /// Bytes of body already handed to the sink (rewritable layout).
    private var bodyFlushed: Int64 = 0
    private var cluster: [UInt8] = []
    private var clusterTimeMs: Int64 = 0
    private var clusterStartsWithCue = false
    private var cues: [CuePoint] = []
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
    public mutating func add(_ packet: MediaPacket, to sink: inout some MediaByteSink) async throws(MediaError) {
        if options.layout == .rewritable && !startedStreaming {
            startedStreaming = true
            try await write(header(durationNs: 0, segmentSize: nil, cuesPosition: 0), to: &sink)
        }
        let timeMs = max(0, (packet.timestampNs + timestampScale / 2) / timestampScale)
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
        endNs = max(endNs, packet.timestampNs + max(0, packet.durationNs ?? 0))
    }

    /// Sets the end of the file's timeline (the Duration), if it is later than the last packet's end.
    public mutating func extendDuration(toNs end: Int64) {
        endNs = max(endNs, end)
    }

    /// Writes the whole file (`.buffered` layout).
    public mutating func finish(to sink: inout some MediaByteSink) async throws(MediaError) {
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

    // MARK: - Layout

    /// Offset of the Segment's payload from the file start (EBML header + Segment ID + 8-byte size).
    private var segmentDataStart: Int { ebmlHeader().count + 4 + 8 }

    private func ebmlHeader() -> [UInt8] {
        var writer = EBMLWriter()
        writer.master(MatroskaID.ebml) { e in
            e.unsigned(MatroskaID.ebmlVersion, 1)
            e.unsigned(MatroskaID.ebmlReadVersion, 1)
            e.unsigned(MatroskaID.ebmlMaxIDLength, 4)
            e.unsigned(MatroskaID.ebmlMaxSizeLength, 8)
            e.string(MatroskaID.docType, "webm")
            e.unsigned(MatroskaID.docTypeVersion, 4)
            e.unsigned(MatroskaID.docTypeReadVersion, 2)
        }
        return writer.bytes
    }

    /// Everything before the first cluster. Its length does not depend on the arguments.
    private func header(durationNs: Int64, segmentSize: UInt64?, cuesPosition: Int64) -> [UInt8] {
        let info = infoElement(durationNs: durationNs)
        let tracksBytes = tracksElement()
        func seekHead(infoAt: Int64, tracksAt: Int64) -> [UInt8] {
            var writer = EBMLWriter()
            writer.master(MatroskaID.seekHead) { s in
                for (id, position) in [(MatroskaID.info, infoAt), (MatroskaID.tracks, tracksAt), (MatroskaID.cues, cuesPosition)] {
                    s.master(MatroskaID.seek) { e in
                        e.binary(MatroskaID.seekID, EBMLVarInt.encodeID(id))
                        e.unsigned(MatroskaID.seekPosition, UInt64(max(0, position)), width: 8)
                    }
                }
            }
            return writer.bytes
        }
        let seekLength = Int64(seekHead(infoAt: 0, tracksAt: 0).count)
        var writer = EBMLWriter()
        writer.append(ebmlHeader())
        if let segmentSize {
            writer.header(MatroskaID.segment, size: segmentSize, sizeWidth: 8)
        } else {
            writer.unknownSizeHeader(MatroskaID.segment)
        }
        writer.append(seekHead(infoAt: seekLength, tracksAt: seekLength + Int64(info.count)))
        writer.append(info)
        writer.append(tracksBytes)
        return writer.bytes
    }

    private func infoElement(durationNs: Int64) -> [UInt8] {
        var writer = EBMLWriter()
        writer.master(MatroskaID.info) { e in
            e.unsigned(MatroskaID.timestampScale, UInt64(timestampScale), width: 4)
            e.string(MatroskaID.muxingApp, options.writingApp)
            e.string(MatroskaID.writingApp, options.writingApp)
            e.float(MatroskaID.duration, Double(durationNs) / Double(timestampScale))
        }
        return writer.bytes
    }

    private func tracksElement() -> [UInt8] {
        var writer = EBMLWriter()
        writer.master(MatroskaID.tracks) { list in
            for track in tracks {
                list.master(MatroskaID.trackEntry) { e in
                    e.unsigned(MatroskaID.trackNumber, track.number)
                    e.unsigned(MatroskaID.trackUID, track.number)
                    e.unsigned(MatroskaID.trackType, track.kind == .video ? 1 : track.kind == .audio ? 2 : 0x11)
                    e.unsigned(MatroskaID.flagLacing, 0)
                    e.string(MatroskaID.codecID, track.codecID)
                    if !track.codecPrivate.isEmpty { e.binary(MatroskaID.codecPrivate, track.codecPrivate) }
                    if track.codecDelayNs > 0 { e.unsigned(MatroskaID.codecDelay, UInt64(track.codecDelayNs)) }
                    if track.seekPreRollNs > 0 { e.unsigned(MatroskaID.seekPreRoll, UInt64(track.seekPreRollNs)) }
                    if let duration = track.defaultDurationNs { e.unsigned(MatroskaID.defaultDuration, UInt64(duration)) }
                    if track.kind == .video {
                        e.master(MatroskaID.video) { v in
                            v.unsigned(MatroskaID.pixelWidth, UInt64(track.width ?? 0))
                            v.unsigned(MatroskaID.pixelHeight, UInt64(track.height ?? 0))
                        }
                    } else if track.kind == .audio {
                        e.master(MatroskaID.audio) { a in
                            a.float(MatroskaID.samplingFrequency, track.sampleRate ?? 48_000)
                            a.unsigned(MatroskaID.channels, UInt64(track.channels ?? 1))
                        }
                    }
                }
            }
        }
        return writer.bytes
    }

    private func cuesElement() -> [UInt8] {
        var writer = EBMLWriter()
        writer.master(MatroskaID.cues) { list in
            for cue in cues {
                list.master(MatroskaID.cuePoint) { p in
                    p.unsigned(MatroskaID.cueTime, UInt64(cue.timeMs))
                    p.master(MatroskaID.cueTrackPositions) { t in
                        t.unsigned(MatroskaID.cueTrack, cue.track)
                        t.unsigned(MatroskaID.cueClusterPosition, UInt64(cue.position))
                    }
                }
            }
        }
        return writer.bytes
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

    private mutating func flushBody(to sink: inout some MediaByteSink) async throws(MediaError) {
        guard !body.isEmpty else { return }
        try await write(body, to: &sink)
        bodyFlushed += Int64(body.count)
        body.removeAll(keepingCapacity: true)
    }

    private func write(_ bytes: [UInt8], to sink: inout some MediaByteSink) async throws(MediaError) {
        do {
            try await sink.write(bytes)
        } catch {
            throw MediaError(.sinkFailed, "writing the WebM output failed", cause: error)
        }
    }
}
