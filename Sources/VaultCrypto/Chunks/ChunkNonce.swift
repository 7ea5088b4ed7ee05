/// The per-segment AEAD nonce: chunk index (u64, big-endian) ‖ flags byte ‖ segment number (u24,
/// big-endian) ‖ zero bytes up to the algorithm's nonce length (12 for AES-256-GCM, 24 for
/// XChaCha20-Poly1305). Format 1 has one segment per chunk, number 0.
///
/// Deterministic nonces are safe here because every recording has its own random 256-bit data key and
/// a writer seals each (index, last-flag, segment) triple of a recording once.
enum ChunkNonce {
    /// The largest segment number a nonce can carry (a 4 GiB chunk of 4 KiB segments needs 2^20).
    static let maxSegment = (1 << 24) - 1

    /// Calls `body` with the nonce in a stack buffer (no heap allocation).
    static func with<R, E: Error>(
        index: UInt64,
        flags: UInt8,
        segment: Int = 0,
        algorithm: ChunkAlgorithm,
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        precondition(segment >= 0 && segment <= maxSegment, "segment number out of range")
        var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return try withUnsafeMutableBytes(of: &storage) { (raw) throws(E) -> R in
            raw.storeBytes(of: index.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw[8] = flags
            raw[9] = UInt8(truncatingIfNeeded: segment >> 16)
            raw[10] = UInt8(truncatingIfNeeded: segment >> 8)
            raw[11] = UInt8(truncatingIfNeeded: segment)
            return try body(UnsafeRawBufferPointer(rebasing: raw[0..<algorithm.nonceLength]))
        }
    }
}
