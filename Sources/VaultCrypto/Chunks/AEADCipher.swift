internal import CSodium

/// The thin unsafe layer under ``ChunkSealer``: one AEAD keyed with one data key.
///
/// AES-256-GCM goes through OpenSSL's EVP interface (``OpenSSLGCM``: contexts keyed once and reused,
/// only the nonce set per call), which seals 2.1× and opens 2.3× as fast as libsodium's
/// `crypto_aead_aes256gcm` on this hardware (Benchmarks/README.md, "Fifth session"); the format is
/// unchanged, and `AESGCMCrossCheckTests` opens with libsodium what this seals and the other way round. XChaCha20-Poly1305 (the cipher for CPUs without
/// AES-NI) goes through libsodium with the data key's own guarded bytes. Neither path allocates per
/// call once warm.
///
/// Arbitrary nonces and associated data are accepted so that the published AEAD test vectors can be
/// checked through exactly the code that seals chunks.
struct AEADCipher: Sendable {
    /// The AEAD in use.
    let algorithm: ChunkAlgorithm
    private let backend: Backend

    private enum Backend: Sendable {
        case aes256gcm(OpenSSLGCM)
        case xchacha20poly1305(key: SecureBytes)
    }

    /// The key length of both algorithms.
    static let keyByteCount = Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    /// The tag length of both algorithms.
    static let tagByteCount = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)

    /// - Throws: ``CryptoError/invalidKeyLength(what:expected:got:)``,
    ///   ``CryptoError/algorithmUnavailable(_:)``, ``CryptoError/openSSLCallFailed(function:)``, or a
    ///   libsodium initialisation failure.
    init(algorithm: ChunkAlgorithm, key: SecureBytes) throws(CryptoError) {
        guard key.count == Self.keyByteCount else {
            throw .invalidKeyLength(what: "data key", expected: Self.keyByteCount, got: key.count)
        }
        try Sodium.initialize()
        // AES-256-GCM stays limited to CPUs with AES-NI and PCLMUL (libsodium's check), as before:
        // OpenSSL would run without them, on table-based code that is neither fast nor constant-time.
        guard algorithm.isAvailable else { throw .algorithmUnavailable(algorithm) }
        self.algorithm = algorithm
        switch algorithm {
        case .aes256gcm: backend = .aes256gcm(try OpenSSLGCM(key: key))
        case .xchacha20poly1305: backend = .xchacha20poly1305(key: key)
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
        switch backend {
        case .aes256gcm(let gcm):
            try gcm.seal(plaintext, into: ciphertext, tag: tag, associatedData: ad, nonce: nonce)
        case .xchacha20poly1305(let key):
            let code = key.withUnsafeBytes { key in
                ciphertext.withNonNullBytes { c in
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
            try SodiumCall.check(code, "crypto_aead_xchacha20poly1305_ietf_encrypt_detached")
        }
    }

    /// Verifies `tag` over (associated data, ciphertext) and decrypts into `plaintext` (same length as
    /// `ciphertext`; may be the same memory, no other overlap).
    ///
    /// - Returns: `false` if verification failed. `plaintext` is then zeroed: OpenSSL decrypts before it
    ///   checks the tag (libsodium does not), so a failed open never leaves unauthenticated bytes behind.
    /// - Throws: ``CryptoError/openSSLCallFailed(function:)`` if OpenSSL fails for another reason than
    ///   the tag (`plaintext` zeroed too).
    func open(
        _ ciphertext: UnsafeRawBufferPointer,
        tag: UnsafeRawBufferPointer,
        associatedData ad: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer,
        into plaintext: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) -> Bool {
        precondition(plaintext.count == ciphertext.count, "plaintext length must equal ciphertext length")
        guard tag.count == Self.tagByteCount, nonce.count == algorithm.nonceLength else {
            plaintext.zeroize()
            return false
        }
        let verified: Bool
        switch backend {
        case .aes256gcm(let gcm):
            do {
                verified = try gcm.open(ciphertext, tag: tag, associatedData: ad, nonce: nonce, into: plaintext)
            } catch {
                plaintext.zeroize()
                throw error
            }
        case .xchacha20poly1305(let key):
            let code = key.withUnsafeBytes { key in
                ciphertext.withNonNullBytes { c in
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
            verified = code == 0
        }
        if !verified { plaintext.zeroize() }
        return verified
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
