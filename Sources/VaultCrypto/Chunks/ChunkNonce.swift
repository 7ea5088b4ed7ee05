/// The per-chunk AEAD nonce: chunk index (u64, big-endian) ‖ flags byte ‖ zero bytes up to the
/// algorithm's nonce length (12 for AES-256-GCM, 24 for XChaCha20-Poly1305).
///
/// Deterministic nonces are safe here because every recording has its own random 256-bit data key and
/// a writer seals each (index, last-flag) pair of a recording once.
enum ChunkNonce {
    /// Calls `body` with the nonce in a stack buffer (no heap allocation).
    static func with<R, E: Error>(
        index: UInt64,
        flags: UInt8,
        algorithm: ChunkAlgorithm,
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return try withUnsafeMutableBytes(of: &storage) { (raw) throws(E) -> R in
            raw.storeBytes(of: index.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw[8] = flags
            return try body(UnsafeRawBufferPointer(rebasing: raw[0..<algorithm.nonceLength]))
        }
    }
}
