/// An incremental (push) EBML reader with fixed memory bounds.
///
/// Feed it bytes with `append(_:)` and pull events with `next()`; `next()` returns nil when it needs
/// more bytes. Master elements of the Matroska schema are entered, a few payloads are read whole
/// (never more than `Limits.maxPayloadSize` bytes), and everything else is skipped as it streams by,
/// so memory stays bounded by the largest payload read plus one input chunk. Unknown-size masters
/// end where an element of their own level or above begins (RFC 8794, section 6.2).
struct EBMLReader {
    /// Fixed bounds that hostile input cannot raise.
    struct Limits: Sendable, Hashable {
        /// The deepest nesting of entered master elements.
        var maxDepth = 12
        /// The largest payload read into memory (a frame, a CodecPrivate).
        var maxPayloadSize = 32 << 20
    }

    /// Which (Simple)Blocks are read whole; the others are skipped after their header.
    enum BlockFilter: Sendable, Hashable {
        case all
        case none
        case tracks(Set<UInt64>)

        func accepts(_ track: UInt64) -> Bool {
            switch self {
            case .all: return true
            case .none: return false
            case .tracks(let set): return set.contains(track)
            }
        }
    }

    private struct OpenElement {
        let id: UInt32
        let depth: Int
        /// Where the element ends: its own end, or for an unknown size, its parent's (if known).
        let end: Int64?
        let isUnknownSize: Bool
    }

    private enum Pending {
        case none
        case payload(EBMLElementHeader)
        case block(EBMLElementHeader)
    }

    let limits: Limits
    var blockFilter: BlockFilter = .all
    private var queue = ByteQueue()
    private var stack: [OpenElement] = []
    private var pending = Pending.none
    private var skipRemaining: Int64 = 0
    /// The input offset of the first unconsumed byte.
    private(set) var position: Int64 = 0

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Bytes held in memory, waiting to be parsed.
    var bufferedByteCount: Int { queue.count }

    /// The ID of the innermost open master element, if any.
    var parentID: UInt32? { stack.last?.id }

    /// Whether the input, if it ended now, ended on an element boundary: nothing half read, and every
    /// open element either of unknown size or complete.
    var isAtCleanEnd: Bool {
        guard skipRemaining == 0, queue.count == 0, case .none = pending else { return false }
        return stack.allSatisfy { $0.isUnknownSize || $0.end == position }
    }

    /// Adds input bytes. Bytes of an element being skipped are dropped without being stored.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        if skipRemaining > 0, queue.count == 0 {
            let skipped = min(Int64(rest.count), skipRemaining)
            skipRemaining -= skipped
            position += skipped
            rest = UnsafeRawBufferPointer(rebasing: rest[Int(skipped)...])
        }
        if !rest.isEmpty { queue.append(rest) }
    }

    /// The next event, or nil when more input is needed.
    mutating func next() throws(MediaError) -> EBMLEvent? {
        while true {
            if skipRemaining > 0 {
                let skipped = Int(min(skipRemaining, Int64(queue.count)))
                queue.drop(skipped)
                position += Int64(skipped)
                skipRemaining -= Int64(skipped)
                if skipRemaining > 0 { return nil }
            }
            switch pending {
            case .payload(let header):
                let size = Int(header.size ?? 0)
                guard queue.count >= size else { return nil }
                pending = .none
                position += Int64(size)
                return .element(header, queue.take(size))
            case .block(let header):
                guard let event = try filterBlock(header) else { return nil }
                if let event { return event }
                continue
            case .none:
                break
            }
            if let top = stack.last, let end = top.end, position >= end {
                stack.removeLast()
                return .exit(id: top.id)
            }
            guard let header = try peekHeader() else { return nil }
            let depth = MatroskaSchema.depth(of: header.id)
            if let top = stack.last, top.isUnknownSize, let depth, depth <= top.depth {
                stack.removeLast()
                return .exit(id: top.id)
            }
            if let end = stack.last?.end,
                header.dataOffset > end || header.size.map({ $0 > UInt64(end - header.dataOffset) }) == true
            {
                throw MediaError(
                    .malformed, "element 0x\(String(header.id, radix: 16)) overruns its parent", offset: header.offset)
            }
            queue.drop(header.headerLength)
            position = header.dataOffset
            var kind = MatroskaSchema.kind(of: header.id)
            if kind != .skip, let depth, depth != stack.count { kind = .skip }
            switch kind {
            case .master:
                guard stack.count < limits.maxDepth else {
                    throw MediaError(.limitExceeded, "elements nested deeper than \(limits.maxDepth)", offset: header.offset)
                }
                let end = header.size.map { header.dataOffset + Int64($0) } ?? stack.last?.end
                stack.append(OpenElement(id: header.id, depth: stack.count, end: end, isUnknownSize: header.size == nil))
                return .enter(header)
            case .payload, .block:
                guard let size = header.size else {
                    throw MediaError(.malformed, "element 0x\(String(header.id, radix: 16)) has an unknown size", offset: header.offset)
                }
                guard size <= UInt64(limits.maxPayloadSize) else {
                    throw MediaError(
                        .limitExceeded, "element 0x\(String(header.id, radix: 16)) of \(size) bytes exceeds the "
                            + "\(limits.maxPayloadSize)-byte limit", offset: header.offset)
                }
                pending = kind == .block ? .block(header) : .payload(header)
            case .skip:
                guard let size = header.size else {
                    throw MediaError(.malformed, "element 0x\(String(header.id, radix: 16)) of unknown size cannot be skipped", offset: header.offset)
                }
                skipRemaining = Int64(size)
                return .skipped(header)
            }
        }
    }

    /// For a pending block: nil when more bytes are needed; `.some(nil)` when it will be read whole;
    /// `.some(event)` when the filter rejected it and it is being skipped.
    private mutating func filterBlock(_ header: EBMLElementHeader) throws(MediaError) -> EBMLEvent?? {
        let size = Int64(header.size ?? 0)
        if case .all = blockFilter {
            pending = .payload(header)
            return .some(nil)
        }
        guard queue.count >= 1 else { return nil }
        guard let length = EBMLVarInt.length(ofFirstByte: queue[0]), Int64(length + 3) <= size else {
            throw MediaError(.malformed, "block header is invalid", offset: header.offset)
        }
        guard queue.count >= length + 3 else { return nil }
        let track = EBMLVarInt.value(length: length) { queue[$0] } ?? UInt64.max
        if blockFilter.accepts(track) {
            pending = .payload(header)
            return .some(nil)
        }
        let relative = Int16(bitPattern: UInt16(queue[length]) << 8 | UInt16(queue[length + 1]))
        let flags = queue[length + 2]
        pending = .none
        skipRemaining = size
        return .some(.skippedBlock(header, track: track, relativeTimestamp: relative, flags: flags))
    }

    /// Parses the next element header without consuming it; nil when more bytes are needed.
    private func peekHeader() throws(MediaError) -> EBMLElementHeader? {
        guard queue.count >= 1 else { return nil }
        guard let idLength = EBMLVarInt.length(ofFirstByte: queue[0]), idLength <= 4 else {
            throw MediaError(.malformed, "invalid element ID", offset: position)
        }
        guard queue.count >= idLength + 1 else { return nil }
        guard let sizeLength = EBMLVarInt.length(ofFirstByte: queue[idLength]) else {
            throw MediaError(.malformed, "invalid element size", offset: position)
        }
        guard queue.count >= idLength + sizeLength else { return nil }
        var id: UInt32 = 0
        for index in 0..<idLength { id = id << 8 | UInt32(queue[index]) }
        let size = EBMLVarInt.value(length: sizeLength) { queue[idLength + $0] }
        if let size, size > UInt64(Int64.max / 2) {
            throw MediaError(.limitExceeded, "element size \(size) is beyond any input", offset: position)
        }
        return EBMLElementHeader(id: id, size: size, offset: position, headerLength: idLength + sizeLength)
    }
}
