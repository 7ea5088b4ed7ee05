internal import CSodium

/// The 16-byte file key of an age file and how stanzas wrap it.
enum AgeFileKey {
    /// The file key length: 16 bytes (128 bits).
    static let byteCount = 16
    /// A wrapped file key: 16 bytes of ciphertext and a 16-byte Poly1305 tag.
    static let wrappedByteCount = byteCount + Int(crypto_aead_chacha20poly1305_ietf_ABYTES)

    /// A fresh file key from libsodium's CSPRNG, in guarded memory. Never reused across files.
    static func generate() throws(CryptoError) -> SecureBytes {
        try SecureBytes(randomCount: byteCount)
    }

    /// ChaCha20-Poly1305 (RFC 7539) of the file key under `wrapKey` with the all-zero nonce. A zero
    /// nonce is safe because every wrap key is used exactly once (fresh salt or fresh ephemeral share).
    static func wrap(_ fileKey: SecureBytes, with wrapKey: SecureBytes) throws(CryptoError) -> [UInt8] {
        precondition(fileKey.count == byteCount, "age file keys are 16 bytes")
        precondition(wrapKey.count == Int(crypto_aead_chacha20poly1305_ietf_KEYBYTES), "wrap keys are 32 bytes")
        let nonce = [UInt8](repeating: 0, count: Int(crypto_aead_chacha20poly1305_ietf_NPUBBYTES))
        var code: Int32 = -1
        let body = [UInt8](unsafeUninitializedCapacity: wrappedByteCount) { output, initialized in
            code = fileKey.withUnsafeBytes { message in
                wrapKey.withUnsafeBytes { key in
                    nonce.withUnsafeBytes { nonce in
                        var written: UInt64 = 0
                        return crypto_aead_chacha20poly1305_ietf_encrypt(
                            output.baseAddress!,
                            &written,
                            message.sodiumInput!,
                            UInt64(message.count),
                            nil,
                            0,
                            nil,
                            nonce.sodiumInput!,
                            key.sodiumInput!
                        )
                    }
                }
            }
            initialized = code == 0 ? wrappedByteCount : 0
        }
        try SodiumCall.check(code, "crypto_aead_chacha20poly1305_ietf_encrypt")
        return body
    }
}
