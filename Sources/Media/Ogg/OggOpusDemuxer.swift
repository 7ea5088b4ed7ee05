/// A streaming demuxer for Ogg Opus files (RFC 7845 in RFC 3533 pages), as ffmpeg and opusenc
/// write them: returns one audio track (`A_OPUS`, CodecPrivate the OpusHead, CodecDelay the
/// pre-skip), then its packets with timestamps from the granule positions.
///
/// Every page's CRC is checked. The first Opus stream is read; other multiplexed streams are
/// skipped, and reading ends at its end-of-stream page (a chained stream after it is ignored).
/// Timestamps follow WebM's convention: the first sample, pre-skip included, is at granule 0; the
/// end-trimming of the last page becomes DiscardPadding on the last packet.
public struct OggOpusDemuxer: Sendable {
    /// How the input ended (the same states as the WebM demuxer's).
    public typealias EndState = WebMDemuxer.EndState

    /// The track list, once the OpusHead and OpusTags headers have been read.
    public private(set) var tracks: [MediaTrack] = []
    /// How the input ended.
    public private(set) var endState = EndState.reading

    /// The track number given to the Opus stream.
    static let trackNumber: UInt64 = 1

    private var reader = OggPageReader()
    private let readSize: Int
    private let maxPacketSize: Int
    private var bytesRead: Int64 = 0
    private var selected = true
    /// The Opus stream's serial number and header, once its first page has been seen.
    private var serial: UInt32?
    private var head: OpusHead?
    private var headBytes: [UInt8] = []
    /// What the first stream that is not Opus carries, for the error when there is no Opus stream.
    private var otherCodec: String?
    private var sawTags = false
    private var ended = false
    /// A packet continued from an earlier page.
    private var partial: [UInt8] = []
    private var partialOffset: Int64 = 0
    /// The granule position (48 kHz samples) where the next packet starts, once known.
    private var cursor: Int64?
    private var ready: [MediaPacket] = []
    private var readyIndex = 0

    /// Creates a demuxer bounded by `limits` (`maxPayloadSize` bounds one packet, headers included).
    public init(limits: DemuxLimits = DemuxLimits()) {
        readSize = max(1, limits.readSize)
        maxPacketSize = limits.maxPayloadSize
    }

    /// Restricts packets to the given tracks (nil: all).
    public mutating func selectTracks(_ numbers: Set<UInt64>?) {
        selected = numbers?.contains(Self.trackNumber) ?? true
    }

    /// The next event, or nil at the end of the input (check `endState`).
    ///
    /// Throws `.emptyInput` for no bytes, `.notMedia` when the input is not Ogg, `.unsupportedCodec`
    /// when its stream is not Opus, `.malformed` for a CRC mismatch or a bad header, and
    /// `.truncated` when the input ends inside a page or before the Opus headers.
    public mutating func next(from source: inout some MediaByteSource) async throws(MediaError) -> DemuxEvent? {
        while true {
            if readyIndex < ready.count {
                defer { readyIndex += 1 }
                return .packet(ready[readyIndex])
            }
            ready.removeAll(keepingCapacity: true)
            readyIndex = 0
            if ended && endState == .reading { endState = .complete }
            if endState != .reading { return nil }
            if let page = try reader.next() {
                if let event = try take(page) { return event }
                continue
            }
            guard let chunk = try await source.demuxerRead(maxCount: readSize, offset: bytesRead) else {
                try finishInput()
                return nil
            }
            feed(chunk)
        }
    }

    /// Hands the demuxer input bytes read elsewhere (the first chunk, read to recognise the format).
    mutating func feed(_ chunk: [UInt8]) {
        bytesRead += Int64(chunk.count)
        chunk.withUnsafeBytes { reader.append($0) }
    }

    private mutating func finishInput() throws(MediaError) {
        guard bytesRead > 0 else { throw MediaError(.emptyInput, "the input is empty") }
        if reader.bufferedCount > 0 {
            throw MediaError(
                .truncated, "the Ogg input ends inside a page: \(reader.bufferedCount) bytes of an incomplete page at its end",
                offset: reader.offset)
        }
        guard tracks.isEmpty == false else {
            if serial == nil, let otherCodec { throw notOpus(otherCodec) }
            throw MediaError(.truncated, "the Ogg input ends before its Opus headers (OpusHead, OpusTags)", offset: bytesRead)
        }
        // A packet left open at a clean page boundary: the page that ended it is missing.
        endState = partial.isEmpty || ended ? .complete : .truncated(atByte: bytesRead)
    }

    /// Takes one page: headers until the track list is known, then audio packets.
    private mutating func take(_ page: OggPageData) throws(MediaError) -> DemuxEvent? {
        if serial == nil {
            guard page.isBeginningOfStream else {
                if let otherCodec { throw notOpus(otherCodec) }
                throw MediaError(.malformed, "the first Ogg page does not begin a stream", offset: page.offset)
            }
            guard let first = page.pieces.first, first.ends, first.bytes.starts(with: Array("OpusHead".utf8)) else {
                if otherCodec == nil { otherCodec = Self.codecName(page.pieces.first?.bytes ?? []) }
                return nil
            }
            guard let parsed = OpusHead(parsing: Array(first.bytes)) else {
                throw MediaError(.malformed, "the OpusHead header is invalid (version, channel count or mapping table)", offset: page.offset)
            }
            serial = page.serial
            head = parsed
            headBytes = Array(first.bytes)
            return nil
        }
        guard page.serial == serial, !ended else { return nil }
        ended = page.isEndOfStream
        var completed: [(bytes: [UInt8], offset: Int64)] = []
        for (index, piece) in page.pieces.enumerated() {
            if index == 0 {
                // A page that does not continue a packet ends any open one (its end was lost); a
                // continuation with nothing open (its start was lost) is dropped.
                if !page.isContinuation {
                    partial.removeAll(keepingCapacity: true)
                } else if partial.isEmpty {
                    continue
                }
            }
            if partial.isEmpty { partialOffset = page.offset }
            guard partial.count + piece.bytes.count <= maxPacketSize else {
                throw MediaError(.limitExceeded, "an Ogg packet is larger than \(maxPacketSize) bytes", offset: partialOffset)
            }
            partial.append(contentsOf: piece.bytes)
            if piece.ends {
                completed.append((partial, partialOffset))
                partial.removeAll(keepingCapacity: true)
            }
        }
        if !sawTags {
            guard let tags = completed.first else { return nil }
            guard tags.bytes.starts(with: Array("OpusTags".utf8)) else {
                throw MediaError(.malformed, "the packet after OpusHead is not an OpusTags header", offset: tags.offset)
            }
            sawTags = true
            completed.removeFirst()
            if !completed.isEmpty {
                throw MediaError(.malformed, "audio data shares a page with the OpusTags header", offset: page.offset)
            }
            tracks = [track]
            return .tracks(tracks)
        }
        try timestamp(completed.map { $0.bytes }, page: page)
        return nil
    }

    /// Gives the packets that end on `page` their timestamps and queues them.
    private mutating func timestamp(_ packets: [[UInt8]], page: OggPageData) throws(MediaError) {
        guard !packets.isEmpty else { return }
        let counts = packets.map { Int64(OpusPacket.sampleCount($0) ?? 0) }
        let total = counts.reduce(0, +)
        let granule = page.granule
        if cursor == nil {
            guard granule >= 0 else {
                throw MediaError(.malformed, "an Ogg page that ends packets has no granule position", offset: page.offset)
            }
            // RFC 7845, section 4.5: the first audio page's granule position gives where its
            // packets start; on an end-of-stream page a shortfall is end trimming instead.
            cursor = page.isEndOfStream ? 0 : max(0, granule - total)
        }
        var position = cursor ?? 0
        for (index, packet) in packets.enumerated() {
            var entry = MediaPacket(
                track: Self.trackNumber, timestampNs: position.samplesAsNs, durationNs: counts[index].samplesAsNs,
                isKeyframe: true, data: packet)
            position += counts[index]
            if index == packets.count - 1, page.isEndOfStream, granule >= 0, granule < position {
                entry.discardPaddingNs = min(position - granule, counts[index]).samplesAsNs
            }
            if selected { ready.append(entry) }
        }
        cursor = position
    }

    private var track: MediaTrack {
        var track = MediaTrack(number: Self.trackNumber, kind: .audio, codecID: "A_OPUS")
        track.codecPrivate = headBytes
        track.channels = head?.channels
        track.sampleRate = 48_000
        track.codecDelayNs = head?.preSkipNs ?? 0
        track.seekPreRollNs = 80_000_000
        return track
    }

    private func notOpus(_ codec: String) -> MediaError {
        MediaError(.unsupportedCodec, "the Ogg file carries \(codec), not Opus; only Ogg Opus can be used", offset: 0)
    }

    /// A name for the codec of a stream's first packet (for the refusal of a stream that is not Opus).
    private static func codecName(_ packet: some Collection<UInt8>) -> String {
        let bytes = Array(packet.prefix(8))
        if bytes.count >= 7, Array(bytes[1..<7]) == Array("vorbis".utf8) { return "Vorbis audio" }
        if bytes.count >= 7, Array(bytes[1..<7]) == Array("theora".utf8) { return "Theora video" }
        if bytes.count >= 5, Array(bytes[1..<5]) == Array("FLAC".utf8) { return "FLAC audio" }
        if bytes.starts(with: Array("Speex".utf8)) { return "Speex audio" }
        return "an unknown codec"
    }
}
