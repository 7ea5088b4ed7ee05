internal import CSodium

extension DataKey {
    /// The 8-byte `crypto_kdf` context of rewritten chunk sets.
    static let generationContext = "SVchunkG"

    /// The key that seals generation `generation` of a recording's chunks: the data key itself
    /// for generation 0 (chunks as ingested), else `crypto_kdf_derive_from_key(32, generation,
    /// "SVchunkG", data key)`.
    ///
    /// A rewrite (format 1 to format 2) seals chunk *i* again with the nonces of FORMAT.md §2.2,
    /// and a format-2 segment 0 has the nonce of the format-1 chunk at the same index, under a
    /// different header and tag length. Under the same key that would be a nonce reused with a
    /// different message (which, for AES-GCM and Poly1305, gives away the authentication key), so
    /// each generation seals under its own key. The manifest MAC key (subkey 1, `"SVmanif1"`) and
    /// the wraps stay those of the data key.
    public func chunkKey(generation: UInt64) throws -> DataKey {
        guard generation > 0 else { return self }
        try Sodium.initialize()
        precondition(Self.generationContext.utf8.count == crypto_kdf_CONTEXTBYTES)
        let derived = try SecureBytes(
            count: Self.byteCount,
            filling: { (subkey) throws(CryptoError) in
                let code = bytes.withUnsafeBytes { master in
                    Self.generationContext.withCString { context in
                        crypto_kdf_derive_from_key(subkey.sodiumOutput!, subkey.count, generation, context, master.sodiumInput!)
                    }
                }
                try SodiumCall.check(code, "crypto_kdf_derive_from_key")
            }
        )
        return try DataKey(checked: derived)
    }
}
