internal import CSodium

/// The thin unsafe layer over libsodium's detached AEAD functions that ``ChunkSealer`` sits on.
///
/// For AES-256-GCM the key is expanded once (`crypto_aead_aes256gcm_beforenm`) into a 16-byte-aligned
/// state inside guarded, read-only memory, and chunks use the `_afternm` functions; for
/// XChaCha20-Poly1305 the data key's own guarded bytes are used directly. Neither path allocates.
///
/// Arbitrary nonces and associated data are accepted so that the published AEAD test vectors can be
/// checked through exactly the code that seals chunks.
struct AEADCipher: Sendable {
    /// The AEAD in use.
    let algorithm: ChunkAlgorithm
    /// XChaCha20-Poly1305: the 32-byte key. AES-256-GCM: the expanded state plus alignment slack.
    private let material: SecureBytes

    /// The key length of both algorithms.
    static let keyByteCount = Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    /// The tag length of both algorithms.
    static let tagByteCount = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)
    private static let stateAlignment = 16

    /// - Throws: ``CryptoError/invalidKeyLength(what:expected:got:)``,
    ///   ``CryptoError/algorithmUnavailable(_:)``, or a secure-memory / libsodium failure.
    init(algorithm: ChunkAlgorithm, key: SecureBytes) throws(CryptoError) {
        guard key.count == Self.keyByteCount else {
            throw .invalidKeyLength(what: "data key", expected: Self.keyByteCount, got: key.count)
        }
        try Sodium.initialize()
        guard algorithm.isAvailable else { throw .algorithmUnavailable(algorithm) }
        self.algorithm = algorithm
        switch algorithm {
        case .xchacha20poly1305:
            material = key
        case .aes256gcm:
            // sodium_malloc does not promise alignment, and libsodium's AES-NI code loads the state with
            // aligned SSE instructions: over-allocate and align by hand.
            let count = crypto_aead_aes256gcm_statebytes() + Self.stateAlignment
            material = try SecureBytes(
                count: count,
                filling: { (buffer) throws(CryptoError) in
                    let state = UnsafeMutablePointer(mutating: Self.alignedState(UnsafeRawBufferPointer(buffer)))
                    let code = key.withUnsafeBytes { crypto_aead_aes256gcm_beforenm(state, $0.sodiumInput!) }
                    try SodiumCall.check(code, "crypto_aead_aes256gcm_beforenm")
                }
            )
        }
    }

    /// Encrypts `plaintext` into `ciphertext` (same length; may be the same memory, no other overlap)
    /// and writes the 16-byte tag into `tag`.
    func seal(
        _ plaintext: UnsafeRawBufferPointer,
        into ciphertext: UnsafeMutableRawBufferPointer,
        tag: UnsafeMutableRawBufferPointer,
        associatedData ad: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer
    ) throws(CryptoError) {
        precondition(ciphertext.count == plaintext.count, "ciphertext length must equal plaintext length")
        precondition(tag.count == Self.tagByteCount && nonce.count == algorithm.nonceLength)
        let code = material.withUnsafeBytes { key in
            ciphertext.withNonNullBytes { c in
                switch algorithm {
                case .aes256gcm:
                    crypto_aead_aes256gcm_encrypt_detached_afternm(
                        c,
                        tag.sodiumOutput!,
                        nil,
                        plaintext.sodiumInput,
                        UInt64(plaintext.count),
                        ad.sodiumInput,
                        UInt64(ad.count),
                        nil,
                        nonce.sodiumInput!,
                        Self.alignedState(key)
                    )
                case .xchacha20poly1305:
                    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
                        c,
                        tag.sodiumOutput!,
                        nil,
                        plaintext.sodiumInput,
                        UInt64(plaintext.count),
                        ad.sodiumInput,
                        UInt64(ad.count),
                        nil,
                        nonce.sodiumInput!,
                        key.sodiumInput!
                    )
                }
            }
        }
        switch algorithm {
        case .aes256gcm: try SodiumCall.check(code, "crypto_aead_aes256gcm_encrypt_detached_afternm")
        case .xchacha20poly1305: try SodiumCall.check(code, "crypto_aead_xchacha20poly1305_ietf_encrypt_detached")
        }
    }

    /// Verifies `tag` over (associated data, ciphertext) and, only if it verifies, decrypts into
    /// `plaintext` (same length as `ciphertext`; may be the same memory, no other overlap).
    ///
    /// - Returns: `false` if verification failed. libsodium then returns without producing plaintext;
    ///   this wrapper additionally zeroes `plaintext`, so a failed open never leaves unauthenticated
    ///   bytes behind whatever the library version does.
    func open(
        _ ciphertext: UnsafeRawBufferPointer,
        tag: UnsafeRawBufferPointer,
        associatedData ad: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer,
        into plaintext: UnsafeMutableRawBufferPointer
    ) -> Bool {
        precondition(plaintext.count == ciphertext.count, "plaintext length must equal ciphertext length")
        guard tag.count == Self.tagByteCount, nonce.count == algorithm.nonceLength else {
            plaintext.zeroize()
            return false
        }
        let code = material.withUnsafeBytes { key in
            ciphertext.withNonNullBytes { c in
                switch algorithm {
                case .aes256gcm:
                    crypto_aead_aes256gcm_decrypt_detached_afternm(
                        plaintext.sodiumOutput,
                        nil,
                        c,
                        UInt64(ciphertext.count),
                        tag.sodiumInput!,
                        ad.sodiumInput,
                        UInt64(ad.count),
                        nonce.sodiumInput!,
                        Self.alignedState(key)
                    )
                case .xchacha20poly1305:
                    crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
                        plaintext.sodiumOutput,
                        nil,
                        c,
                        UInt64(ciphertext.count),
                        tag.sodiumInput!,
                        ad.sodiumInput,
                        UInt64(ad.count),
                        nonce.sodiumInput!,
                        key.sodiumInput!
                    )
                }
            }
        }
        guard code == 0 else {
            plaintext.zeroize()
            return false
        }
        return true
    }

    /// The 16-byte-aligned AES-GCM state inside `material`.
    private static func alignedState(_ raw: UnsafeRawBufferPointer) -> UnsafePointer<crypto_aead_aes256gcm_state> {
        let aligned = raw.baseAddress!.alignedUp(toMultipleOf: stateAlignment)
        precondition(aligned + crypto_aead_aes256gcm_statebytes() <= raw.baseAddress! + raw.count)
        return aligned.assumingMemoryBound(to: crypto_aead_aes256gcm_state.self)
    }
}

extension UnsafeMutableRawBufferPointer {
    /// Overwrites the buffer with zeroes in a way the optimiser cannot elide (`sodium_memzero`).
    func zeroize() {
        if let base = baseAddress { sodium_memzero(base, count) }
    }
}

extension UnsafeRawBufferPointer {
    /// Whether the two buffers share at least one byte.
    func overlaps(_ other: UnsafeRawBufferPointer) -> Bool {
        guard let a = baseAddress, let b = other.baseAddress, !isEmpty, !other.isEmpty else { return false }
        return a < b + other.count && b < a + count
    }
}
