/// Demuxes a recording in any accepted container: Ogg Opus when the input starts with an Ogg
/// page, otherwise WebM/Matroska. Both give the same events: the track list, then packets.
public struct RecordingDemuxer: Sendable {
    private enum Format: Sendable {
        case detecting
        case webm(WebMDemuxer)
        case ogg(OggOpusDemuxer)
    }

    private var format = Format.detecting
    private let limits: DemuxLimits
    private var selection: Set<UInt64>?

    /// Creates a demuxer bounded by `limits`.
    public init(limits: DemuxLimits = DemuxLimits()) {
        self.limits = limits
    }

    /// "webm", "matroska" or "ogg", once known.
    public var docType: String? {
        switch format {
        case .detecting: return nil
        case .webm(let demuxer): return demuxer.docType
        case .ogg: return "ogg"
        }
    }

    /// The duration the container states up front (Matroska's Info Duration; Ogg states none).
    public var declaredDurationNs: Int64? {
        if case .webm(let demuxer) = format { return demuxer.declaredDurationNs }
        return nil
    }

    /// How the input ended.
    public var endState: WebMDemuxer.EndState {
        switch format {
        case .detecting: return .reading
        case .webm(let demuxer): return demuxer.endState
        case .ogg(let demuxer): return demuxer.endState
        }
    }

    /// Restricts packets to the given tracks (nil: all).
    public mutating func selectTracks(_ numbers: Set<UInt64>?) {
        selection = numbers
        switch format {
        case .detecting: break
        case .webm(var demuxer):
            demuxer.selectTracks(numbers)
            format = .webm(demuxer)
        case .ogg(var demuxer):
            demuxer.selectTracks(numbers)
            format = .ogg(demuxer)
        }
    }

    /// The next event, or nil at the end of the input (check `endState`).
    public mutating func next(from source: inout some MediaByteSource) async throws(MediaError) -> DemuxEvent? {
        if case .detecting = format { try await detect(from: &source) }
        switch format {
        case .detecting:
            return nil
        case .webm(var demuxer):
            format = .detecting
            defer { format = .webm(demuxer) }
            return try await demuxer.next(from: &source)
        case .ogg(var demuxer):
            format = .detecting
            defer { format = .ogg(demuxer) }
            return try await demuxer.next(from: &source)
        }
    }

    /// Reads the first bytes (at least four, or all there are) and picks the demuxer by them.
    private mutating func detect(from source: inout some MediaByteSource) async throws(MediaError) {
        var prefix: [UInt8] = []
        while prefix.count < 4 {
            let chunk: [UInt8]?
            do {
                chunk = try await source.read(maxCount: max(4, limits.readSize))
            } catch {
                throw MediaError(.sourceFailed, "reading the input failed", offset: Int64(prefix.count), cause: error)
            }
            guard let chunk, !chunk.isEmpty else { break }
            prefix += chunk
        }
        guard !prefix.isEmpty else { throw MediaError(.emptyInput, "the input is empty") }
        if prefix.starts(with: Array("OggS".utf8)) {
            var demuxer = OggOpusDemuxer(limits: limits)
            demuxer.selectTracks(selection)
            demuxer.feed(prefix)
            format = .ogg(demuxer)
        } else {
            var demuxer = WebMDemuxer(limits: limits)
            demuxer.selectTracks(selection)
            demuxer.feed(prefix)
            format = .webm(demuxer)
        }
    }
}
