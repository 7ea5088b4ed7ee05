/// A streaming WebM/Matroska demuxer: pulls bytes from a `MediaByteSource` and returns the track
/// list, then packets in file order.
///
/// It needs neither Cues nor SeekHead, accepts unknown-size Segments and Clusters (MediaRecorder,
/// `ffmpeg -live 1`), SimpleBlocks and BlockGroups with any lacing, and holds at most one input
/// chunk plus one payload in memory. A file cut short ends the packet stream cleanly and sets
/// `endState` to `.truncated`.
public struct WebMDemuxer: Sendable {
    /// How the input ended.
    public enum EndState: Sendable, Hashable {
        /// Not at the end yet.
        case reading
        /// The input ended on an element boundary.
        case complete
        /// The input ended inside an element (e.g. a recording cut short mid-cluster).
        case truncated(atByte: Int64)
    }

    /// The track list, once read.
    public private(set) var tracks: [MediaTrack] = []
    /// How the input ended.
    public private(set) var endState = EndState.reading
    /// The document type ("webm" or "matroska"), once read.
    public var docType: String? { parser.docType }
    /// Info's Duration in nanoseconds, when the file states one.
    public var declaredDurationNs: Int64? { parser.durationNs }

    private var parser: MatroskaParser
    private let readSize: Int
    private var bytesRead: Int64 = 0

    /// Creates a demuxer bounded by `limits`.
    public init(limits: DemuxLimits = DemuxLimits()) {
        parser = MatroskaParser(
            limits: EBMLReader.Limits(maxDepth: limits.maxDepth, maxPayloadSize: limits.maxPayloadSize),
            maxTracks: limits.maxTracks)
        readSize = max(1, limits.readSize)
    }

    /// Restricts packets to the given tracks (nil: all); the others are skipped unread, which is
    /// what makes copying one track fast.
    public mutating func selectTracks(_ numbers: Set<UInt64>?) {
        parser.setBlockFilter(numbers.map { .tracks($0) } ?? .all)
    }

    /// The next event, or nil at the end of the input (check `endState`).
    ///
    /// Throws `.emptyInput` for no bytes, `.notMedia` for non-Matroska input, `.truncated` when the
    /// input ends before its track list, and `.malformed`/`.limitExceeded` for hostile structure.
    public mutating func next(from source: inout some MediaByteSource) async throws(MediaError) -> DemuxEvent? {
        while true {
            if let event = try parser.next() {
                if case .tracks(let list) = event { tracks = list }
                return event
            }
            if endState != .reading { return nil }
            if parser.isSegmentComplete {
                endState = .complete
                return nil
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
        chunk.withUnsafeBytes { parser.append($0) }
    }

    private mutating func finishInput() throws(MediaError) {
        guard bytesRead > 0 else { throw MediaError(.emptyInput, "the input is empty") }
        guard parser.docType != nil else {
            throw MediaError(.notMedia, "not a WebM, Matroska or Ogg file: no complete EBML header and no Ogg page", offset: 0)
        }
        guard parser.tracks != nil else {
            throw MediaError(.truncated, "the input ends before its track list", offset: bytesRead)
        }
        endState = parser.reader.isAtCleanEnd ? .complete : .truncated(atByte: bytesRead)
    }
}
