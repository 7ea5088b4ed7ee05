internal import CSodium

/// HKDF-SHA-256 (RFC 5869) with a 32-byte output, the only length age uses, computed with libsodium's
/// HMAC-SHA-256 so that the pseudorandom key and the output stay in guarded memory.
///
/// With 32 bytes of output, HKDF-Expand is a single block: OKM = HMAC(PRK, info ‖ 0x01).
enum HKDFSHA256 {
    /// The output length: 32 bytes.
    static let byteCount = Int(crypto_auth_hmacsha256_BYTES)

    /// HKDF-Extract(`salt`, `ikm`) then HKDF-Expand(`info`, 32). An empty salt is HMAC's all-zero key,
    /// as RFC 5869 specifies.
    ///
    /// - Throws: only if guarded memory cannot be allocated.
    static func deriveKey(ikm: SecureBytes, salt: [UInt8], info: [UInt8]) throws(CryptoError) -> SecureBytes {
        let prk = try SecureBytes(
            count: byteCount,
            filling: { (prk) throws(CryptoError) in
                ikm.withUnsafeBytes { ikm in
                    salt.withUnsafeBytes { salt in hmac(key: salt, parts: [ikm], into: prk) }
                }
            }
        )
        let expandInput = info + [0x01]
        return try SecureBytes(
            count: byteCount,
            filling: { (okm) throws(CryptoError) in
                prk.withUnsafeBytes { prk in
                    expandInput.withUnsafeBytes { input in hmac(key: prk, parts: [input], into: okm) }
                }
            }
        )
    }

    /// HMAC-SHA-256 of the concatenation of `parts` under a key of any length, into `output` (32 bytes).
    ///
    /// libsodium's HMAC-SHA-256 functions cannot fail (they return 0 unconditionally), so a non-zero code
    /// traps (``SodiumCall/require(_:_:)``). The HMAC state, which holds key-derived pads, is wiped.
    static func hmac(key: UnsafeRawBufferPointer, parts: [UnsafeRawBufferPointer], into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count == byteCount, "HMAC-SHA-256 output is 32 bytes")
        var state = crypto_auth_hmacsha256_state()
        defer { sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha256_state>.size) }
        let initCode = key.withNonNullBytes { crypto_auth_hmacsha256_init(&state, $0, key.count) }
        SodiumCall.require(initCode, "crypto_auth_hmacsha256_init")
        for part in parts {
            let code = part.withNonNullBytes { crypto_auth_hmacsha256_update(&state, $0, UInt64(part.count)) }
            SodiumCall.require(code, "crypto_auth_hmacsha256_update")
        }
        SodiumCall.require(crypto_auth_hmacsha256_final(&state, output.sodiumOutput!), "crypto_auth_hmacsha256_final")
    }
}
