internal import COpenSSL
import Synchronization

/// AES-256-GCM through OpenSSL 3's EVP interface, keyed with one data key: the chunk cipher behind
/// ``AEADCipher`` (measured against libsodium and swift-crypto in Benchmarks/README.md, "aead-bench").
///
/// An `EVP_CIPHER_CTX` is keyed once (AES key schedule and GHASH table) and then reused: each call only
/// sets the nonce. A context serves one call at a time, so the cipher keeps a small pool of keyed
/// contexts: a call takes an idle one, or keys a new one when all are busy, and gives it back after.
/// A context whose call failed midway is freed rather than reused.
///
/// What OpenSSL does not let us protect: each context holds the expanded key (from which the key is
/// recoverable) in memory OpenSSL allocates itself, on the ordinary heap: not locked against swap,
/// without guard pages, not excluded from core dumps. `EVP_CIPHER_CTX_free` zeroes it
/// (`OPENSSL_clear_free`) when the pool is released with the last copy of the cipher. The data key
/// itself stays in guarded memory (``SecureBytes``) and is read only while a new context is keyed.
final class OpenSSLGCM: Sendable {
    /// The tag length: 16 bytes.
    static let tagByteCount = 16
    /// The nonce length: 12 bytes (OpenSSL's default GCM IV length, which is never changed here).
    static let nonceByteCount = 12
    /// Idle contexts kept for reuse; more than this many at once are freed when given back (a burst
    /// of concurrent calls then costs a key setup each, no lasting memory).
    private static let idleLimit = 8
    /// One call's input or output at most, so lengths fit OpenSSL's `int` (a chunk may be up to 4 GiB).
    private static let pieceLimit = 1 << 30

    private let key: SecureBytes
    private let idle = Mutex<[EVPCipherContext]>([])

    /// Keys one context at once, so that a key OpenSSL refuses fails here, not at the first chunk.
    ///
    /// - Throws: ``CryptoError/invalidKeyLength(what:expected:got:)`` or
    ///   ``CryptoError/openSSLCallFailed(function:)``.
    init(key: SecureBytes) throws(CryptoError) {
        guard key.count == 32 else { throw .invalidKeyLength(what: "data key", expected: 32, got: key.count) }
        self.key = key
        let first = try EVPCipherContext(key: key)
        idle.withLock { $0.append(first) }
    }

    /// Encrypts `plaintext` into `ciphertext` (same length; the same memory or disjoint) and writes the
    /// tag into `tag`.
    func seal(
        _ plaintext: UnsafeRawBufferPointer,
        into ciphertext: UnsafeMutableRawBufferPointer,
        tag: UnsafeMutableRawBufferPointer,
        associatedData ad: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer
    ) throws(CryptoError) {
        let context = try take()
        try context.seal(plaintext, into: ciphertext, tag: tag, associatedData: ad, nonce: nonce)
        giveBack(context)
    }

    /// Decrypts `ciphertext` into `plaintext` (same length; the same memory or disjoint) and verifies
    /// `tag`. OpenSSL writes the plaintext before it checks the tag: on `false`, `plaintext` holds
    /// unauthenticated bytes, which the caller must wipe (``AEADCipher`` does).
    ///
    /// - Returns: whether the tag verified.
    func open(
        _ ciphertext: UnsafeRawBufferPointer,
        tag: UnsafeRawBufferPointer,
        associatedData ad: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer,
        into plaintext: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) -> Bool {
        let context = try take()
        let verified = try context.open(ciphertext, tag: tag, associatedData: ad, nonce: nonce, into: plaintext)
        giveBack(context)
        return verified
    }

    private func take() throws(CryptoError) -> EVPCipherContext {
        if let context = idle.withLock({ $0.popLast() }) { return context }
        return try EVPCipherContext(key: key)
    }

    private func giveBack(_ context: EVPCipherContext) {
        let surplus: EVPCipherContext? = idle.withLock { contexts in
            guard contexts.count < Self.idleLimit else { return context }
            contexts.append(context)
            return nil
        }
        _ = surplus  // freed (and zeroed by OpenSSL) here, outside the lock
    }

    /// Feeds `input` to `EVP_CipherUpdate` in pieces OpenSSL's `int` lengths can carry.
    fileprivate static func pieces(_ count: Int) -> StrideTo<Int> { stride(from: 0, to: count, by: pieceLimit) }
    fileprivate static func pieceLength(at offset: Int, of count: Int) -> Int32 { Int32(min(pieceLimit, count - offset)) }
}

/// One keyed `EVP_CIPHER_CTX` for AES-256-GCM, freed (and zeroed by OpenSSL) in `deinit`.
///
/// `@unchecked Sendable` is sound here: a context is only ever used by the one call that took it out
/// of its ``OpenSSLGCM``'s pool (under the pool's lock) until that call gives it back (under the lock
/// again), so no two threads touch it at once; the pointer itself never changes.
final class EVPCipherContext: @unchecked Sendable {
    private let context: OpaquePointer

    /// A new context keyed with `key` (read from guarded memory for the duration of the call).
    init(key: SecureBytes) throws(CryptoError) {
        guard let context = EVP_CIPHER_CTX_new() else { throw .openSSLCallFailed(function: "EVP_CIPHER_CTX_new") }
        self.context = context
        let keyed = key.withUnsafeBytes { bytes in
            EVP_CipherInit_ex(context, EVP_aes_256_gcm(), nil, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), nil, 1)
        }
        guard keyed == 1 else { throw .openSSLCallFailed(function: "EVP_CipherInit_ex") }
    }

    deinit { EVP_CIPHER_CTX_free(context) }

    func seal(
        _ plaintext: UnsafeRawBufferPointer,
        into ciphertext: UnsafeMutableRawBufferPointer,
        tag: UnsafeMutableRawBufferPointer,
        associatedData ad: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer
    ) throws(CryptoError) {
        try start(encrypting: true, nonce: nonce, associatedData: ad)
        try update(plaintext, into: ciphertext)
        var written: Int32 = 0
        var scratch: UInt8 = 0  // GCM's final step writes no bytes; OpenSSL still wants a buffer
        guard EVP_CipherFinal_ex(context, &scratch, &written) == 1 else { throw .openSSLCallFailed(function: "EVP_CipherFinal_ex") }
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(OpenSSLGCM.tagByteCount), tag.baseAddress) == 1 else {
            throw .openSSLCallFailed(function: "EVP_CIPHER_CTX_ctrl(GET_TAG)")
        }
    }

    func open(
        _ ciphertext: UnsafeRawBufferPointer,
        tag: UnsafeRawBufferPointer,
        associatedData ad: UnsafeRawBufferPointer,
        nonce: UnsafeRawBufferPointer,
        into plaintext: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) -> Bool {
        try start(encrypting: false, nonce: nonce, associatedData: ad)
        try update(ciphertext, into: plaintext)
        // OpenSSL reads the expected tag from a non-const pointer but does not write through it.
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(OpenSSLGCM.tagByteCount),
                                  UnsafeMutableRawPointer(mutating: tag.baseAddress)) == 1 else {
            throw .openSSLCallFailed(function: "EVP_CIPHER_CTX_ctrl(SET_TAG)")
        }
        var written: Int32 = 0
        var scratch: UInt8 = 0
        // 1: the tag verified; anything else: it did not (OpenSSL reports no other failure here).
        return EVP_CipherFinal_ex(context, &scratch, &written) == 1
    }

    /// Sets the direction and the nonce (the key schedule stays) and authenticates the associated data.
    private func start(encrypting: Bool, nonce: UnsafeRawBufferPointer, associatedData ad: UnsafeRawBufferPointer) throws(CryptoError) {
        precondition(nonce.count == OpenSSLGCM.nonceByteCount, "AES-256-GCM nonce must be 12 bytes")
        guard EVP_CipherInit_ex(context, nil, nil, nil, nonce.baseAddress!.assumingMemoryBound(to: UInt8.self), encrypting ? 1 : 0) == 1 else {
            throw .openSSLCallFailed(function: "EVP_CipherInit_ex")
        }
        var written: Int32 = 0
        for offset in OpenSSLGCM.pieces(ad.count) {
            guard EVP_CipherUpdate(context, nil, &written, (ad.baseAddress! + offset).assumingMemoryBound(to: UInt8.self),
                                   OpenSSLGCM.pieceLength(at: offset, of: ad.count)) == 1 else {
                throw .openSSLCallFailed(function: "EVP_CipherUpdate(AAD)")
            }
        }
    }

    /// Runs `input` through the cipher into `output` (same length; the same memory or disjoint).
    private func update(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        precondition(input.count == output.count)
        var written: Int32 = 0
        for offset in OpenSSLGCM.pieces(input.count) {
            let length = OpenSSLGCM.pieceLength(at: offset, of: input.count)
            guard EVP_CipherUpdate(context, (output.baseAddress! + offset).assumingMemoryBound(to: UInt8.self), &written,
                                   (input.baseAddress! + offset).assumingMemoryBound(to: UInt8.self), length) == 1,
                  written == length else {
                throw .openSSLCallFailed(function: "EVP_CipherUpdate")
            }
        }
    }
}
