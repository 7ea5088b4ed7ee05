internal import CSodium

/// The MAC that makes a recording's manifest tamper-evident to anyone holding its data key.
///
/// A subkey is derived from the data key with `crypto_kdf_derive_from_key` (subkey id 1, context
/// `"SVmanif1"`), so the manifest MAC key is independent of the chunk-sealing key; the tag is keyed
/// BLAKE2b-256(subkey, manifest bytes).
public struct ManifestAuthenticator: Sendable {
    /// The tag length: 32 bytes.
    public static let tagSize = GenericHash.byteCount
    /// The `crypto_kdf` subkey id for the manifest MAC key.
    static let subkeyID: UInt64 = 1
    /// The 8-byte `crypto_kdf` context.
    static let context = "SVmanif1"

    private let subkey: SecureBytes

    /// Derives the manifest MAC key from a recording's data key.
    public init(key: DataKey) throws {
        try Sodium.initialize()
        precondition(Self.context.utf8.count == crypto_kdf_CONTEXTBYTES)
        self.subkey = try SecureBytes(
            count: Int(crypto_generichash_KEYBYTES),
            filling: { (subkey) throws(CryptoError) in
                let code = key.bytes.withUnsafeBytes { master in
                    Self.context.withCString { context in
                        crypto_kdf_derive_from_key(
                            subkey.sodiumOutput!,
                            subkey.count,
                            Self.subkeyID,
                            context,
                            master.sodiumInput!
                        )
                    }
                }
                try SodiumCall.check(code, "crypto_kdf_derive_from_key")
            }
        )
    }

    /// The 32-byte tag of `bytes`.
    public func tag(_ bytes: [UInt8]) -> [UInt8] {
        subkey.withUnsafeBytes { GenericHash.blake2b256(bytes, key: $0) }
    }

    /// Whether `tag` is the tag of `bytes`, compared in constant time (`sodium_memcmp`).
    public func verify(_ bytes: [UInt8], tag: [UInt8]) -> Bool {
        guard tag.count == Self.tagSize else { return false }
        return ConstantTime.equals(self.tag(bytes), tag)
    }
}
