/// How a recording's chunks are laid out and sealed (docs/FORMAT.md §2). Fixed per recording: the
/// manifest names it, and every chunk header repeats it.
///
/// - Format 1 (``whole``): one AEAD over the whole chunk, `header(40) ‖ ciphertext(n) ‖ tag(16)`.
///   Reading any byte of a chunk means reading and opening all of it.
/// - Format 2 (``segmented(shift:)``): the chunk's plaintext is cut into segments of `2^shift` bytes
///   (the last may be shorter), each sealed on its own; the ciphertext stays contiguous and the tags
///   follow it: `header(40) ‖ ciphertext(n) ‖ tag₀ ‖ … ‖ tagₘ₋₁`. A reader that wants a few bytes
///   reads and opens only the segments holding them (an HTTP Range request, say).
///
/// Both formats keep the plaintext of an opened chunk contiguous at `headerSize ..< headerSize + n`,
/// so a pipeline can read into, seal and open one buffer in place.
public enum ChunkFormat: Sendable, Hashable, CustomStringConvertible {
    /// Format 1: one tag per chunk.
    case whole
    /// Format 2: one tag per `2^shift` plaintext bytes.
    case segmented(shift: UInt8)

    /// Segment sizes a reader accepts: 4 KiB to 16 MiB.
    public static let segmentShifts: ClosedRange<UInt8> = 12...24
    /// What new recordings are written with: 64 KiB segments, as age's STREAM (a 1 MiB range then
    /// opens at most 1.125 MiB, instead of up to two whole chunks).
    public static let current: ChunkFormat = .segmented(shift: 16)

    /// The format a manifest names: version 1, or version 2 with a power-of-two segment size in
    /// ``segmentShifts``. Nil for anything else.
    public init?(version: Int, segmentSize: Int?) {
        switch (version, segmentSize) {
        case (1, nil):
            self = .whole
        case (2, let size?):
            guard size > 0, size & (size - 1) == 0 else { return nil }
            let shift = UInt8(size.trailingZeroBitCount)
            guard Self.segmentShifts.contains(shift) else { return nil }
            self = .segmented(shift: shift)
        default:
            return nil
        }
    }

    /// The version byte of the chunk header (and the manifest's `format`): 1 or 2.
    public var version: UInt8 {
        switch self {
        case .whole: 1
        case .segmented: 2
        }
    }

    /// Plaintext bytes per segment; nil for format 1.
    public var segmentSize: Int? {
        switch self {
        case .whole: nil
        case .segmented(let shift): 1 << Int(shift)
        }
    }

    public var description: String {
        switch self {
        case .whole: "format 1 (one tag per chunk)"
        case .segmented(let shift): "format 2 (\(1 << Int(shift) / 1024) KiB segments)"
        }
    }

    /// How many tags a chunk of `plaintextCount` bytes carries: 1 for format 1; for format 2 one per
    /// started segment, and 1 for an empty chunk.
    public func segmentCount(plaintextCount: Int) -> Int {
        switch self {
        case .whole:
            return 1
        case .segmented(let shift):
            return max(1, (plaintextCount + (1 << Int(shift)) - 1) >> Int(shift))
        }
    }

    /// The plaintext bytes of `segment` within a chunk of `plaintextCount` bytes (all of it in format 1).
    func segmentRange(_ segment: Int, plaintextCount: Int) -> Range<Int> {
        guard let size = segmentSize else { return 0..<plaintextCount }
        return (segment * size)..<min(plaintextCount, (segment + 1) * size)
    }

    /// The bytes after the ciphertext: the tags.
    public func tailroom(plaintextCount: Int) -> Int {
        segmentCount(plaintextCount: plaintextCount) * ChunkSealer.tagSize
    }

    /// `headerSize + plaintextCount + tailroom`.
    public func sealedSize(plaintextCount: Int) -> Int {
        ChunkSealer.headerSize + plaintextCount + tailroom(plaintextCount: plaintextCount)
    }

    /// The plaintext size of a sealed chunk of `sealedCount` bytes, or nil if no valid chunk has that size.
    public func plaintextCount(sealedCount: Int) -> Int? {
        let body = sealedCount - ChunkSealer.headerSize   // n + 16·m
        guard body >= ChunkSealer.tagSize else { return nil }
        let count: Int
        switch self {
        case .whole:
            count = body - ChunkSealer.tagSize
        case .segmented(let shift):
            // Every full segment takes size + 16 sealed bytes; what is left is a short segment and its tag.
            let stride = (1 << Int(shift)) + ChunkSealer.tagSize
            let full = body / stride
            let rest = body % stride
            if rest == 0 {
                count = full * (1 << Int(shift))
            } else {
                guard rest > ChunkSealer.tagSize || (full == 0 && rest == ChunkSealer.tagSize) else { return nil }
                count = full * (1 << Int(shift)) + rest - ChunkSealer.tagSize
            }
        }
        guard count <= ChunkSealer.maxPlaintextCount, sealedSize(plaintextCount: count) == sealedCount else { return nil }
        return count
    }

    /// Which sealed bytes hold the plaintext bytes `range` of a chunk of `plaintextCount` bytes:
    /// the segments that cover it, where their ciphertext and tags are, and which plaintext those
    /// segments open to. `range` must lie within `0...plaintextCount`; an empty range maps to no segment.
    public func span(of range: Range<Int>, plaintextCount: Int) -> SegmentSpan {
        precondition(range.lowerBound >= 0 && range.upperBound <= plaintextCount, "range outside the chunk")
        let header = ChunkSealer.headerSize
        let tags = header + plaintextCount
        guard let size = segmentSize else {
            return SegmentSpan(segments: 0..<1, plaintext: 0..<plaintextCount,
                               ciphertext: header..<tags, tags: tags..<(tags + ChunkSealer.tagSize))
        }
        if range.isEmpty {
            return SegmentSpan(segments: 0..<0, plaintext: range, ciphertext: header..<header, tags: tags..<tags)
        }
        let first = range.lowerBound / size
        let last = (range.upperBound - 1) / size
        let plaintext = segmentRange(first, plaintextCount: plaintextCount).lowerBound
            ..< segmentRange(last, plaintextCount: plaintextCount).upperBound
        return SegmentSpan(
            segments: first..<(last + 1),
            plaintext: plaintext,
            ciphertext: (header + plaintext.lowerBound)..<(header + plaintext.upperBound),
            tags: (tags + first * ChunkSealer.tagSize)..<(tags + (last + 1) * ChunkSealer.tagSize)
        )
    }
}

/// A run of consecutive segments of one chunk (see ``ChunkFormat/span(of:plaintextCount:)``).
/// Ranges of plaintext are in chunk coordinates; ranges of sealed bytes are offsets in the sealed chunk.
public struct SegmentSpan: Sendable, Hashable {
    /// The segment numbers, from 0.
    public let segments: Range<Int>
    /// The plaintext bytes these segments open to.
    public let plaintext: Range<Int>
    /// Where their ciphertext lies in the sealed chunk (same length as `plaintext`).
    public let ciphertext: Range<Int>
    /// Where their tags lie in the sealed chunk (16 bytes each).
    public let tags: Range<Int>
}
