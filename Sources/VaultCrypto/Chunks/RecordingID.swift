/// A validated 16-byte recording id, held as two big-endian words so that header checks never allocate.
struct RecordingID: Sendable, Equatable {
    /// Bytes 0–7 and 8–15 read as big-endian integers.
    let high: UInt64
    let low: UInt64

    /// The byte length of a recording id.
    static let byteCount = 16

    /// - Throws: ``CryptoError/invalidRecordingID(length:)`` unless `bytes` holds exactly 16 bytes.
    init(_ bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == Self.byteCount else { throw .invalidRecordingID(length: bytes.count) }
        (high, low) = bytes.withUnsafeBytes { raw in
            (ChunkHeader.load(UInt64.self, raw, 0), ChunkHeader.load(UInt64.self, raw, 8))
        }
    }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The 16 bytes.
    var bytes: [UInt8] {
        withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { Array($0) }
    }
}
