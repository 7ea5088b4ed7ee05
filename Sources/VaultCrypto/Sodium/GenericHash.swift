internal import CSodium

/// BLAKE2b-256 (libsodium `crypto_generichash`), keyed or not: the module's hash for ids, pseudonyms
/// and manifest tags.
enum GenericHash {
    /// The digest length used throughout: 32 bytes.
    static let byteCount = Int(crypto_generichash_BYTES)

    /// BLAKE2b-256 of `message`, keyed with `key` (16–64 bytes) when given.
    static func blake2b256(_ message: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer? = nil) -> [UInt8] {
        precondition(Sodium.isReady, "libsodium is not initialised")
        if let key {
            precondition(key.count >= crypto_generichash_KEYBYTES_MIN && key.count <= crypto_generichash_KEYBYTES_MAX)
        }
        return [UInt8](unsafeUninitializedCapacity: byteCount) { output, initialized in
            let code = crypto_generichash(
                output.baseAddress!,
                byteCount,
                message.sodiumInput,
                UInt64(message.count),
                key?.sodiumInput,
                key?.count ?? 0
            )
            SodiumCall.require(code, "crypto_generichash")
            initialized = byteCount
        }
    }

    /// BLAKE2b-256 of `message`.
    static func blake2b256(_ message: [UInt8], key: UnsafeRawBufferPointer? = nil) -> [UInt8] {
        message.withUnsafeBytes { blake2b256($0, key: key) }
    }
}
