/// Learns what a file is while its bytes pass by (e.g. during ingest), in bounded memory.
///
/// Feed every chunk in order with `consume(_:)`; ask `facts()` at any time. Frames are skipped
/// unread, so memory stays at a few hundred KiB whatever the file. The probe never throws: input
/// that is not WebM, Matroska or Ogg gives nil facts, and a file that turns malformed part-way keeps
/// the facts learnt before the fault.
public struct MediaProbe: Sendable {
    private enum State {
        case detecting([UInt8])
        case matroska(MatroskaParser)
        case ogg(OggProbe)
        case unknown
    }

    private var state = State.detecting([])
    private var matroskaFailed = false

    /// Creates a probe that has seen nothing yet.
    public init() {}

    /// Feeds the next chunk of the file.
    public mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        switch state {
        case .detecting(var prefix):
            let earlier = prefix
            prefix.append(contentsOf: bytes.prefix(4 - prefix.count))
            guard prefix.count == 4 else {
                state = .detecting(prefix)
                return
            }
            if prefix == [0x1A, 0x45, 0xDF, 0xA3] {
                var parser = MatroskaParser(limits: .init(maxDepth: 12, maxPayloadSize: 1 << 20), maxTracks: 32)
                parser.setBlockFilter(.none)
                state = .matroska(parser)
            } else if prefix == Array("OggS".utf8) {
                state = .ogg(OggProbe())
            } else {
                state = .unknown
                return
            }
            feedDetected(earlier: earlier, chunk: bytes)
        case .matroska(var parser):
            state = .unknown
            if !matroskaFailed { feed(&parser, bytes) }
            state = .matroska(parser)
        case .ogg(var probe):
            state = .unknown
            probe.consume(bytes)
            state = .ogg(probe)
        case .unknown:
            return
        }
    }

    /// When the file says it was made (Matroska/WebM DateUTC), as soon as the Segment Info has passed;
    /// known before the tracks are, so it can be asked of a file's first bytes.
    public var createdUnixSeconds: Int64? {
        guard case .matroska(let parser) = state else { return nil }
        return parser.dateUTCNs.map(MediaFacts.unixSeconds(matroskaDateNs:))
    }

    /// What is known so far; nil when the input is not (yet recognisably) media.
    public func facts() -> MediaFacts? {
        switch state {
        case .matroska(let parser):
            guard let docType = parser.docType, let tracks = parser.tracks else { return nil }
            return MediaFacts(docType: docType, tracks: tracks, durationNs: parser.durationNs ?? parser.latestEndNs, dateUTCNs: parser.dateUTCNs)
        case .ogg(let probe):
            return probe.facts()
        case .detecting, .unknown:
            return nil
        }
    }

    /// Feeds the detected parser the bytes of earlier (tiny) chunks, kept while detecting, and the
    /// whole chunk that completed detection.
    private mutating func feedDetected(earlier: [UInt8], chunk bytes: UnsafeRawBufferPointer) {
        switch state {
        case .matroska(var parser):
            state = .unknown
            earlier.withUnsafeBytes { feed(&parser, $0) }
            feed(&parser, bytes)
            state = .matroska(parser)
        case .ogg(var probe):
            state = .unknown
            earlier.withUnsafeBytes { probe.consume($0) }
            probe.consume(bytes)
            state = .ogg(probe)
        default:
            break
        }
    }

    private mutating func feed(_ parser: inout MatroskaParser, _ bytes: UnsafeRawBufferPointer) {
        guard !matroskaFailed else { return }
        parser.append(bytes)
        do {
            while try parser.next() != nil {}
        } catch {
            matroskaFailed = true
        }
    }
}
