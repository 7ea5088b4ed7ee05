internal import CSodium

/// A 32-byte key sealed under another 32-byte key (XChaCha20-Poly1305, random 192-bit nonce), bound
/// to a context (the node's place in the erasure tree) so that a sealed key moved to another place
/// does not open there.
///
/// Layout: nonce (24) ‖ ciphertext (32) ‖ tag (16) = 72 bytes.
public enum NodeKeySeal {
    /// The size of every node and leaf key.
    public static let keySize = 32
    /// The size of a sealed key.
    public static let sealedSize = 24 + keySize + 16

    /// Seals `key` under `parent`, authenticated together with `context`.
    public static func seal(_ key: SecureBytes, under parent: SecureBytes, context: [UInt8]) throws(CryptoError) -> [UInt8] {
        try Sodium.initialize()
        guard key.count == keySize else { throw .invalidKeyLength(what: "erasure key", expected: keySize, got: key.count) }
        guard parent.count == keySize else { throw .invalidKeyLength(what: "erasure key", expected: keySize, got: parent.count) }
        var out = [UInt8](repeating: 0, count: sealedSize)
        let code: Int32 = out.withUnsafeMutableBytes { output in
            randombytes_buf(output.baseAddress!, 24)
            return key.withUnsafeBytes { plain in
                parent.withUnsafeBytes { parentKey in
                    context.withUnsafeBytes { ad in
                        crypto_aead_xchacha20poly1305_ietf_encrypt(
                            output.baseAddress!.advanced(by: 24).assumingMemoryBound(to: UInt8.self), nil,
                            plain.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(keySize),
                            ad.sodiumInput, UInt64(ad.count), nil,
                            output.baseAddress!.assumingMemoryBound(to: UInt8.self),
                            parentKey.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
        }
        try SodiumCall.check(code, "crypto_aead_xchacha20poly1305_ietf_encrypt")
        return out
    }

    /// Opens a key sealed by ``seal(_:under:context:)`` straight into guarded memory.
    /// - Throws: ``CryptoError/erasedOrCorrupt(what:)`` if it does not open under `parent` with `context`.
    public static func open(_ sealed: [UInt8], under parent: SecureBytes, context: [UInt8], what: String) throws(CryptoError) -> SecureBytes {
        guard sealed.count == sealedSize else { throw .erasedOrCorrupt(what: what) }
        guard parent.count == keySize else { throw .invalidKeyLength(what: "erasure key", expected: keySize, got: parent.count) }
        return try SecureBytes(count: keySize, filling: { (buffer) throws(CryptoError) in
            let code: Int32 = sealed.withUnsafeBytes { input in
                parent.withUnsafeBytes { parentKey in
                    context.withUnsafeBytes { ad in
                        crypto_aead_xchacha20poly1305_ietf_decrypt(
                            buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), nil, nil,
                            input.baseAddress!.advanced(by: 24).assumingMemoryBound(to: UInt8.self), UInt64(keySize + 16),
                            ad.sodiumInput, UInt64(ad.count),
                            input.baseAddress!.assumingMemoryBound(to: UInt8.self),
                            parentKey.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
            guard code == 0 else { throw .erasedOrCorrupt(what: what) }
        })
    }
}
