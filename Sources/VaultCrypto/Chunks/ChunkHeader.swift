/// The 40-byte header in front of every sealed chunk (see docs/FORMAT.md), which is also the chunk's
/// AEAD associated data. All integers are big-endian.
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 4 | magic `"SVCK"` |
/// | 4 | 1 | format version, 1 or 2 (``ChunkFormat``) |
/// | 5 | 1 | algorithm (``ChunkAlgorithm`` raw value) |
/// | 6 | 1 | format 2: log2 of the segment size (12…24); format 1: reserved, 0 |
/// | 7 | 1 | reserved, 0 |
/// | 8 | 16 | recording id |
/// | 24 | 8 | chunk index |
/// | 32 | 4 | plaintext length |
/// | 36 | 1 | flags: bit 0 = last chunk, other bits 0 |
/// | 37 | 3 | reserved, 0 |
///
/// Parsing never allocates, so ``ChunkSealer`` uses it on its hot path; it lets keyless tools
/// (scrubbers, inspectors) read a chunk's claimed identity too. A parsed header is only a claim until
/// the chunk has been opened.
public struct ChunkHeader: Sendable, Equatable {
    /// The header size in bytes: 40.
    public static let size = 40
    /// `"SVCK"` as a big-endian integer.
    static let magic: UInt32 = 0x5356_434B
    /// Flag bit 0: this is the recording's last chunk.
    static let lastChunkFlag: UInt8 = 0x01

    enum Offset {
        static let magic = 0
        static let version = 4
        static let algorithm = 5
        static let segmentShift = 6
        static let reserved1 = 7
        static let recordingID = 8
        static let index = 24
        static let length = 32
        static let flags = 36
        static let reserved2 = 37
    }

    /// The format the chunk claims (version byte and, for format 2, segment size).
    public let format: ChunkFormat
    /// The algorithm the chunk claims to be sealed with.
    public let algorithm: ChunkAlgorithm
    /// The recording id, bytes 0–7 and 8–15 as big-endian integers (no allocation).
    let recordingIDHigh: UInt64
    let recordingIDLow: UInt64
    /// The chunk's position in its recording, from 0.
    public let index: UInt64
    /// The plaintext length in bytes.
    public let plaintextLength: UInt32
    /// Whether the chunk claims to be its recording's last.
    public let isLast: Bool

    /// The 16-byte recording id.
    public var recordingID: [UInt8] {
        withUnsafeBytes(of: (recordingIDHigh.bigEndian, recordingIDLow.bigEndian)) { Array($0) }
    }

    /// The flags byte.
    var flags: UInt8 { isLast ? Self.lastChunkFlag : 0 }

    /// A header for writing; `recordingID` must be 16 bytes.
    init(format: ChunkFormat, algorithm: ChunkAlgorithm, recordingID: RecordingID, index: UInt64, plaintextLength: UInt32, isLast: Bool) {
        self.format = format
        self.algorithm = algorithm
        self.recordingIDHigh = recordingID.high
        self.recordingIDLow = recordingID.low
        self.index = index
        self.plaintextLength = plaintextLength
        self.isLast = isLast
    }

    /// Parses and structurally validates the first 40 bytes of a sealed chunk: magic, version,
    /// algorithm (known), segment size (format 2) or reserved byte 6 (format 1), reserved bytes
    /// (zero) and flags (no unknown bits), in that order.
    ///
    /// Errors report the index the header itself claims. Whether the chunk is the one a reader expects
    /// (recording, index, last flag, length) is ``ChunkSealer/open(_:index:isLast:into:)``'s job.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(CryptoError) {
        let claimedIndex = bytes.count >= Self.size ? Self.load(UInt64.self, bytes, Offset.index) : 0
        try self.init(parsing: bytes, reportingIndex: claimedIndex)
    }

    /// As ``init(parsing:)``, naming `reportingIndex` in errors (the index the caller asked for).
    init(parsing bytes: UnsafeRawBufferPointer, reportingIndex index: UInt64) throws(CryptoError) {
        guard bytes.count >= Self.size else { throw .chunkTooShort(index: index, count: bytes.count) }
        let magic = Self.load(UInt32.self, bytes, Offset.magic)
        guard magic == Self.magic else {
            throw .chunkHeaderMismatch(
                index: index,
                field: "magic",
                expected: Hex.encode(bigEndian: Self.magic),
                found: Hex.encode(bigEndian: magic)
            )
        }
        let version = bytes[Offset.version]
        guard version == 1 || version == 2 else {
            throw .chunkHeaderMismatch(index: index, field: "version", expected: "1 or 2", found: "\(version)")
        }
        let algorithmByte = bytes[Offset.algorithm]
        guard let algorithm = ChunkAlgorithm(rawValue: algorithmByte) else {
            throw .chunkHeaderMismatch(index: index, field: "algorithm", expected: "1 or 2", found: "\(algorithmByte)")
        }
        let shift = bytes[Offset.segmentShift]
        let format: ChunkFormat
        if version == 2 {
            guard ChunkFormat.segmentShifts.contains(shift) else {
                throw .chunkHeaderMismatch(index: index, field: "segmentSize", expected: "2^12…2^24", found: "2^\(shift)")
            }
            format = .segmented(shift: shift)
        } else {
            format = .whole
        }
        let reserved1 = bytes[Offset.reserved1]
        let reserved2 = UnsafeRawBufferPointer(rebasing: bytes[Offset.reserved2..<Offset.reserved2 + 3])
        guard reserved1 == 0, version == 2 || shift == 0, reserved2.allSatisfy({ $0 == 0 }) else {
            throw .chunkHeaderMismatch(
                index: index,
                field: "reserved",
                expected: "0000/000000",
                found: "\(Hex.encode(version == 2 ? [0, reserved1] : [shift, reserved1]))/\(Hex.encode(reserved2))"
            )
        }
        let flags = bytes[Offset.flags]
        guard flags & ~Self.lastChunkFlag == 0 else {
            throw .chunkHeaderMismatch(index: index, field: "flags", expected: "00 or 01", found: Hex.encode([flags]))
        }
        self.format = format
        self.algorithm = algorithm
        self.recordingIDHigh = Self.load(UInt64.self, bytes, Offset.recordingID)
        self.recordingIDLow = Self.load(UInt64.self, bytes, Offset.recordingID + 8)
        self.index = Self.load(UInt64.self, bytes, Offset.index)
        self.plaintextLength = Self.load(UInt32.self, bytes, Offset.length)
        self.isLast = flags & Self.lastChunkFlag != 0
    }

    /// Writes the 40 header bytes into the start of `output` (which must hold at least 40 bytes).
    func write(into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= Self.size)
        output.storeBytes(of: Self.magic.bigEndian, toByteOffset: Offset.magic, as: UInt32.self)
        output[Offset.version] = format.version
        output[Offset.algorithm] = algorithm.rawValue
        if case .segmented(let shift) = format { output[Offset.segmentShift] = shift } else { output[Offset.segmentShift] = 0 }
        output[Offset.reserved1] = 0
        output.storeBytes(of: recordingIDHigh.bigEndian, toByteOffset: Offset.recordingID, as: UInt64.self)
        output.storeBytes(of: recordingIDLow.bigEndian, toByteOffset: Offset.recordingID + 8, as: UInt64.self)
        output.storeBytes(of: index.bigEndian, toByteOffset: Offset.index, as: UInt64.self)
        output.storeBytes(of: plaintextLength.bigEndian, toByteOffset: Offset.length, as: UInt32.self)
        output[Offset.flags] = flags
        output[Offset.reserved2] = 0
        output[Offset.reserved2 + 1] = 0
        output[Offset.reserved2 + 2] = 0
    }

    /// Reads a big-endian integer at `offset` (unaligned).
    static func load<T: FixedWidthInteger>(_: T.Type, _ bytes: UnsafeRawBufferPointer, _ offset: Int) -> T {
        T(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
