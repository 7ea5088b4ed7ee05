internal import CSodium

/// The STREAM construction of an age payload: 64 KiB chunks, each sealed with ChaCha20-Poly1305 under
/// the payload key and the nonce `counter (11 bytes, big-endian) ‖ last-chunk flag (1 byte)`.
struct AgePayloadStream: Sendable {
    /// Plaintext bytes per chunk; only the final chunk may be shorter.
    static let chunkSize = 64 * 1024
    /// Bytes each chunk's Poly1305 tag adds.
    static let tagByteCount = Int(crypto_aead_chacha20poly1305_ietf_ABYTES)
    /// The random nonce at the start of the payload: 16 bytes.
    static let nonceByteCount = 16
    /// The HKDF info of the payload key.
    static let keyInfo = Array("payload".utf8)

    /// HKDF-SHA-256(ikm = file key, salt = payload nonce, info = "payload").
    private let key: SecureBytes
    /// The index of the next chunk to seal.
    private(set) var chunkIndex: UInt64 = 0
    /// Whether the final chunk has been sealed; nothing may follow it.
    private(set) var isFinished = false

    /// Derives the payload key from the file key and the payload's 16-byte nonce.
    init(fileKey: SecureBytes, nonce: [UInt8]) throws(CryptoError) {
        precondition(nonce.count == Self.nonceByteCount, "the payload nonce is 16 bytes")
        key = try HKDFSHA256.deriveKey(ikm: fileKey, salt: nonce, info: Self.keyInfo)
    }

    /// Encrypts the first `count` bytes of `buffer` in place and writes the tag right after them, so that
    /// `buffer[0..<count + 16]` is the sealed chunk. A non-final chunk must be exactly ``chunkSize`` long; the
    /// final one may be shorter, and is empty only when the whole payload is.
    ///
    /// libsodium's ChaCha20-Poly1305 fails only for messages over 256 GiB, so with 64 KiB chunks a
    /// non-zero code traps (``SodiumCall/require(_:_:)``) rather than throwing.
    mutating func sealInPlace(_ buffer: UnsafeMutableRawBufferPointer, count: Int, isFinal: Bool) {
        precondition(!isFinished, "no chunk may follow the final chunk")
        precondition(isFinal ? count <= Self.chunkSize : count == Self.chunkSize, "a non-final chunk must be full")
        precondition(count > 0 || chunkIndex == 0, "only an empty payload has an empty final chunk")
        precondition(buffer.count >= count + Self.tagByteCount, "no room for the tag")
        let nonce = Self.chunkNonce(index: chunkIndex, isFinal: isFinal)
        let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let code = key.withUnsafeBytes { key in
            nonce.withUnsafeBytes { nonce in
                crypto_aead_chacha20poly1305_ietf_encrypt_detached(
                    base,
                    base + count,
                    nil,
                    base,
                    UInt64(count),
                    nil,
                    0,
                    nil,
                    nonce.sodiumInput!,
                    key.sodiumInput!
                )
            }
        }
        SodiumCall.require(code, "crypto_aead_chacha20poly1305_ietf_encrypt_detached")
        chunkIndex += 1
        isFinished = isFinal
    }

    /// The 12-byte AEAD nonce of chunk `index`: an 11-byte big-endian counter and the final flag.
    /// A `UInt64` index fills the low 8 bytes of the counter; the top 3 stay zero (2^64 chunks of
    /// 64 KiB is beyond any file).
    static func chunkNonce(index: UInt64, isFinal: Bool) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: 12)
        for byte in 0..<8 {
            nonce[3 + byte] = UInt8(truncatingIfNeeded: index >> (8 * (7 - UInt64(byte))))
        }
        nonce[11] = isFinal ? 0x01 : 0x00
        return nonce
    }

    /// The payload size for `plaintextCount` bytes: nonce, then each chunk plus its tag (an empty
    /// plaintext is one empty final chunk).
    static func payloadSize(plaintextCount: UInt64) -> UInt64 {
        let chunks = max(1, (plaintextCount + UInt64(chunkSize) - 1) / UInt64(chunkSize))
        return UInt64(nonceByteCount) + plaintextCount + chunks * UInt64(tagByteCount)
    }
}
