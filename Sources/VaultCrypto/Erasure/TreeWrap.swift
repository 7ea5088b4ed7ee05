internal import CSodium

/// A role's key wrap sealed once more, under the key of one leaf of the vault's erasure tree.
///
/// The inner wrap (a ``KeyWrap``, opened only with the role's secret key) is what decides who may
/// decrypt; this outer layer decides whether anyone still can. Erasing the leaf makes every copy of
/// the wrap (catalog pages, WAL, backups) ciphertext under a key that no longer exists.
///
/// Layout: `"SVT1"` ‖ leaf index (8, big-endian) ‖ nonce (24) ‖ ciphertext of the inner wrap ‖ tag (16).
/// The associated data is `"SVT1"` ‖ leaf index ‖ recording id ‖ role name, so an envelope moved to
/// another leaf, recording or role does not open.
public enum TreeWrap {
    static let magic: [UInt8] = Array("SVT1".utf8)
    static let headerSize = 4 + 8
    /// Bytes an envelope adds to the inner wrap.
    public static let overhead = headerSize + 24 + 16

    /// True if `wrapped` is an envelope (as opposed to a bare ``KeyWrap`` of an older vault).
    public static func isEnveloped(_ wrapped: [UInt8]) -> Bool {
        wrapped.count > overhead && Array(wrapped.prefix(4)) == magic
    }

    /// The leaf an envelope is sealed under, or nil for a bare wrap.
    public static func leaf(of wrapped: [UInt8]) -> UInt64? {
        guard isEnveloped(wrapped) else { return nil }
        return wrapped[4..<12].reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
    }

    /// Seals `inner` under `leafKey` for leaf `leaf`, bound to the recording and role.
    public static func seal(_ inner: [UInt8], leaf: UInt64, leafKey: SecureBytes, recordingID: [UInt8], role: String) throws(CryptoError) -> [UInt8] {
        try Sodium.initialize()
        guard leafKey.count == NodeKeySeal.keySize else {
            throw .invalidKeyLength(what: "erasure leaf key", expected: NodeKeySeal.keySize, got: leafKey.count)
        }
        let header = magic + bigEndian(leaf)
        let ad = header + recordingID + Array(role.utf8)
        var out = header + [UInt8](repeating: 0, count: 24 + inner.count + 16)
        let code: Int32 = out.withUnsafeMutableBytes { output in
            let nonce = output.baseAddress!.advanced(by: headerSize)
            randombytes_buf(nonce, 24)
            return inner.withUnsafeBytes { plain in
                leafKey.withUnsafeBytes { key in
                    ad.withUnsafeBytes { adBytes in
                        crypto_aead_xchacha20poly1305_ietf_encrypt(
                            nonce.advanced(by: 24).assumingMemoryBound(to: UInt8.self), nil,
                            plain.sodiumInput, UInt64(plain.count), adBytes.sodiumInput, UInt64(adBytes.count), nil,
                            nonce.assumingMemoryBound(to: UInt8.self), key.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
        }
        try SodiumCall.check(code, "crypto_aead_xchacha20poly1305_ietf_encrypt")
        return out
    }

    /// Opens an envelope with its leaf's key, returning the inner wrap.
    /// - Throws: ``CryptoError/erasedOrCorrupt(what:)`` if it does not open (wrong leaf key, moved, corrupt).
    public static func open(_ wrapped: [UInt8], leafKey: SecureBytes, recordingID: [UInt8], role: String) throws(CryptoError) -> [UInt8] {
        guard let leaf = leaf(of: wrapped), leafKey.count == NodeKeySeal.keySize else { throw .erasedOrCorrupt(what: "key wrap") }
        let ad = magic + bigEndian(leaf) + recordingID + Array(role.utf8)
        var inner = [UInt8](repeating: 0, count: wrapped.count - overhead)
        let code: Int32 = inner.withUnsafeMutableBytes { output in
            wrapped.withUnsafeBytes { input in
                leafKey.withUnsafeBytes { key in
                    ad.withUnsafeBytes { adBytes in
                        crypto_aead_xchacha20poly1305_ietf_decrypt(
                            output.baseAddress!.assumingMemoryBound(to: UInt8.self), nil, nil,
                            input.baseAddress!.advanced(by: headerSize + 24).assumingMemoryBound(to: UInt8.self),
                            UInt64(input.count - headerSize - 24), adBytes.sodiumInput, UInt64(adBytes.count),
                            input.baseAddress!.advanced(by: headerSize).assumingMemoryBound(to: UInt8.self),
                            key.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
        }
        guard code == 0 else { throw .erasedOrCorrupt(what: "key wrap") }
        return inner
    }

    /// `value` as 8 big-endian bytes.
    public static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }
}
