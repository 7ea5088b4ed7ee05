internal import Crypto

/// SHA-256 of sealed chunks: the ciphertext digest a keyless scrub recomputes to find corruption.
///
/// Uses swift-crypto (BoringSSL, with its SHA-NI / AVX2 code paths) rather than libsodium, whose portable
/// SHA-256 is several times slower on the same hardware.
public enum ChunkDigest {
    /// The 32-byte SHA-256 digest of `bytes`.
    public static func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = StreamingSHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The 32-byte SHA-256 digest of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { sha256($0) }
    }
}
