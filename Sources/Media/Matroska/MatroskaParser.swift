/// Turns the EBML reader's events into Matroska facts: the document type, the timestamp scale, the
/// track list and timed packets. Synchronous and push-fed, so the streaming demuxer and the probe
/// share it.
struct MatroskaParser {
    private(set) var reader: EBMLReader
    private let maxTracks: Int
    /// "webm" or "matroska", once the EBML header was read.
    private(set) var docType: String?
    /// Info's Duration in nanoseconds, when present.
    private(set) var durationNs: Int64?
    /// The Segment's DateUTC, in nanoseconds since 2001-01-01T00:00:00 UTC, when the file states one.
    private(set) var dateUTCNs: Int64?
    /// The published track list, once the Tracks element ended.
    private(set) var tracks: [MediaTrack]?
    /// The latest end time (timestamp plus known duration) of any block seen, in nanoseconds.
    private(set) var latestEndNs: Int64?
    /// Whether the first Segment ended; anything after it is ignored.
    private(set) var isSegmentComplete = false

    private var sawEBMLHeader = false
    private var sawSegment = false
    private var timestampScale: Int64 = 1_000_000
    private var building: [MediaTrack] = []
    private var track: MediaTrack?
    private var clusterTimestamp: Int64 = 0
    private var group = BlockGroupState()
    private var queued: [MediaPacket] = []
    private var queuedIndex = 0

    private struct BlockGroupState {
        var block: [UInt8]?
        var blockOffset: Int64 = 0
        var durationTicks: Int64?
        var hasReference = false
        var discardPaddingNs: Int64 = 0
    }

    init(limits: EBMLReader.Limits, maxTracks: Int) {
        reader = EBMLReader(limits: limits)
        self.maxTracks = maxTracks
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        reader.append(bytes)
    }

    /// Which blocks are read whole (the others only update timing facts).
    mutating func setBlockFilter(_ filter: EBMLReader.BlockFilter) {
        reader.blockFilter = filter
    }

    /// The next demux event, or nil when more input is needed (or the segment is complete).
    mutating func next() throws(MediaError) -> DemuxEvent? {
        while true {
            if queuedIndex < queued.count {
                defer {
                    queuedIndex += 1
                    if queuedIndex == queued.count {
                        queued.removeAll(keepingCapacity: true)
                        queuedIndex = 0
                    }
                }
                return .packet(queued[queuedIndex])
            }
            if isSegmentComplete { return nil }
            guard let event = try nextReaderEvent() else { return nil }
            if let result = try handle(event) { return result }
        }
    }

    private mutating func nextReaderEvent() throws(MediaError) -> EBMLEvent? {
        do {
            return try reader.next()
        } catch {
            if !sawEBMLHeader { throw MediaError(.notMedia, "not a WebM, Matroska or Ogg file: no EBML header and no Ogg page", offset: 0) }
            throw error
        }
    }

    private mutating func handle(_ event: EBMLEvent) throws(MediaError) -> DemuxEvent? {
        typealias ID = MatroskaID
        if !sawEBMLHeader {
            guard case .enter(let header) = event, header.id == ID.ebml else {
                throw MediaError(.notMedia, "not a WebM, Matroska or Ogg file: no EBML header and no Ogg page", offset: 0)
            }
        }
        switch event {
        case .enter(let header):
            switch header.id {
            case ID.ebml:
                if sawSegment { isSegmentComplete = true }
                sawEBMLHeader = true
            case ID.segment:
                if sawSegment {
                    isSegmentComplete = true
                    return nil
                }
                guard docType != nil else {
                    throw MediaError(.notMedia, "EBML header names no document type", offset: header.offset)
                }
                sawSegment = true
            case ID.trackEntry:
                track = MediaTrack(number: 0, kind: .other, codecID: "")
            case ID.cluster:
                guard tracks != nil else {
                    throw MediaError(.malformed, "a Cluster comes before the track list", offset: header.offset)
                }
                clusterTimestamp = 0
            case ID.blockGroup:
                group = BlockGroupState()
            default:
                break
            }
        case .exit(let id):
            switch id {
            case ID.segment:
                isSegmentComplete = true
            case ID.trackEntry:
                guard let entry = track, entry.number > 0 else {
                    throw MediaError(.malformed, "a TrackEntry has no TrackNumber", offset: reader.position)
                }
                guard building.count < maxTracks else {
                    throw MediaError(.limitExceeded, "more than \(maxTracks) tracks", offset: reader.position)
                }
                building.append(entry)
                track = nil
            case ID.tracks where tracks == nil:
                tracks = building
                return .tracks(building)
            case ID.blockGroup:
                if let block = group.block {
                    try emit(block, offset: group.blockOffset, keyframe: !group.hasReference, group: group)
                }
                group = BlockGroupState()
            default:
                break
            }
        case .element(let header, let bytes):
            try handleElement(header, bytes)
        case .skipped(let header):
            if header.id == ID.contentEncodings { track?.hasContentEncoding = true }
        case .skippedBlock(_, let number, let relative, _):
            if let tracks, let track = tracks.first(where: { $0.number == number }) {
                let start = try timestampNs(relative)
                noteEnd(start.clampedAdding(track.defaultDurationNs ?? 0))
            }
        }
        return nil
    }

    private mutating func handleElement(_ header: EBMLElementHeader, _ bytes: [UInt8]) throws(MediaError) {
        typealias ID = MatroskaID
        let offset = header.offset
        let parent = reader.parentID
        switch (parent, header.id) {
        case (ID.ebml, ID.docType):
            let name = EBMLValue.string(bytes)
            guard name == "webm" || name == "matroska" else {
                throw MediaError(.notMedia, "EBML document type \"\(name.prefix(32))\" is not WebM or Matroska", offset: offset)
            }
            docType = name
        case (ID.info, ID.timestampScale):
            let scale = try EBMLValue.unsigned(bytes, offset: offset)
            guard scale > 0, scale <= 1_000_000_000 else {
                throw MediaError(.malformed, "TimestampScale \(scale) is out of range", offset: offset)
            }
            timestampScale = Int64(scale)
        case (ID.info, ID.dateUTC):
            // An EBML date is exactly 8 bytes (or 0: the epoch itself, which muxers write when they know no date).
            guard bytes.count == 8 else { throw MediaError(.malformed, "DateUTC has \(bytes.count) bytes, not 8", offset: offset) }
            let ns = try EBMLValue.signed(bytes, offset: offset)
            if ns != 0 { dateUTCNs = ns }
        case (ID.info, ID.duration):
            let ticks = try EBMLValue.float(bytes, offset: offset)
            let ns = ticks * Double(timestampScale)
            if ns.isFinite, ns >= 0, ns < 1e18 { durationNs = Int64(ns) }
        case (ID.trackEntry, ID.trackNumber):
            track?.number = try EBMLValue.unsigned(bytes, offset: offset)
        case (ID.trackEntry, ID.trackType):
            switch try EBMLValue.unsigned(bytes, offset: offset) {
            case 1: track?.kind = .video
            case 2: track?.kind = .audio
            default: track?.kind = .other
            }
        case (ID.trackEntry, ID.codecID):
            track?.codecID = String(EBMLValue.string(bytes).prefix(64))
        case (ID.trackEntry, ID.codecPrivate):
            track?.codecPrivate = bytes
        case (ID.trackEntry, ID.codecDelay):
            track?.codecDelayNs = Int64(clamping: try EBMLValue.unsigned(bytes, offset: offset))
        case (ID.trackEntry, ID.seekPreRoll):
            track?.seekPreRollNs = Int64(clamping: try EBMLValue.unsigned(bytes, offset: offset))
        case (ID.trackEntry, ID.defaultDuration):
            let value = Int64(clamping: try EBMLValue.unsigned(bytes, offset: offset))
            track?.defaultDurationNs = value > 0 ? value : nil
        case (ID.video, ID.pixelWidth):
            track?.width = Int(clamping: try EBMLValue.unsigned(bytes, offset: offset))
        case (ID.video, ID.pixelHeight):
            track?.height = Int(clamping: try EBMLValue.unsigned(bytes, offset: offset))
        case (ID.audio, ID.channels):
            track?.channels = Int(clamping: try EBMLValue.unsigned(bytes, offset: offset))
        case (ID.audio, ID.samplingFrequency):
            let rate = try EBMLValue.float(bytes, offset: offset)
            if rate.isFinite, rate > 0, rate < 1e7 { track?.sampleRate = rate }
        case (ID.cluster, ID.timestamp):
            let value = try EBMLValue.unsigned(bytes, offset: offset)
            guard value < UInt64(Int64.max / timestampScale) else {
                throw MediaError(.malformed, "Cluster Timestamp \(value) is out of range", offset: offset)
            }
            clusterTimestamp = Int64(value)
        case (ID.cluster, ID.simpleBlock):
            try emit(bytes, offset: offset, keyframe: nil, group: nil)
        case (ID.blockGroup, ID.block):
            group.block = bytes
            group.blockOffset = offset
        case (ID.blockGroup, ID.blockDuration):
            group.durationTicks = Int64(clamping: try EBMLValue.unsigned(bytes, offset: offset))
        case (ID.blockGroup, ID.referenceBlock):
            group.hasReference = true
        case (ID.blockGroup, ID.discardPadding):
            group.discardPaddingNs = try EBMLValue.signed(bytes, offset: offset)
        default:
            break
        }
    }

    /// The absolute timestamp in nanoseconds of a block `relative` ticks from the cluster's.
    private func timestampNs(_ relative: Int16) throws(MediaError) -> Int64 {
        let ticks = clusterTimestamp.clampedAdding(Int64(relative))
        let (ns, overflow) = ticks.multipliedReportingOverflow(by: timestampScale)
        guard !overflow else { throw MediaError(.malformed, "block timestamp overflows", offset: reader.position) }
        return ns
    }

    private mutating func noteEnd(_ ns: Int64) {
        latestEndNs = max(latestEndNs ?? ns, ns)
    }

    private mutating func emit(_ payload: [UInt8], offset: Int64, keyframe: Bool?, group: BlockGroupState?)
        throws(MediaError)
    {
        let block = try MatroskaBlock(parsing: payload, offset: offset)
        guard let track = tracks?.first(where: { $0.number == block.track }) else { return }
        let start = try timestampNs(block.relativeTimestamp)
        let isOpus = track.codecID == "A_OPUS"
        let blockDuration = group?.durationTicks.map { $0.multipliedReportingOverflow(by: timestampScale) }
            .flatMap { $0.overflow ? nil : $0.partialValue }
        var time = start
        for (index, range) in block.frames.enumerated() {
            let frame = Array(payload[range])
            var duration: Int64?
            if isOpus, let samples = OpusPacket.sampleCount(frame) {
                duration = Int64(samples) * 1_000_000_000 / 48_000
            } else if block.frames.count == 1, let blockDuration {
                duration = blockDuration
            } else {
                duration = track.defaultDurationNs
            }
            let isLast = index == block.frames.count - 1
            queued.append(
                MediaPacket(
                    track: block.track, timestampNs: time, durationNs: duration,
                    isKeyframe: keyframe ?? block.isKeyframe,
                    discardPaddingNs: isLast ? (group?.discardPaddingNs ?? 0) : 0, data: frame))
            time = time.clampedAdding(duration ?? 0)
        }
        noteEnd(time)
    }
}
