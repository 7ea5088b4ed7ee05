internal import CSodium

extension AgeStanza {
    /// The scrypt salt length: 16 bytes from the CSPRNG, fresh for every file.
    static let scryptSaltByteCount = 16
    /// The label prepended to the salt, which domain-separates age's scrypt from any other use.
    static let scryptSaltLabel = Array("age-encryption.org/v1/scrypt".utf8)

    /// `-> scrypt SALT LOGN` with body ChaCha20-Poly1305(scrypt(passphrase, label ‖ salt), file key).
    ///
    /// scrypt is libsodium's `crypto_pwhash_scryptsalsa208sha256_ll` with N = 2^`logN`, r = 8, p = 1,
    /// 32 bytes out; it needs 2^`logN` × 1 KiB of memory (256 MiB at 18) and runs synchronously.
    static func scrypt(
        fileKey: SecureBytes,
        passphrase: SecureBytes,
        logN: Int,
        salt: [UInt8]
    ) throws(AgeError) -> AgeStanza {
        precondition(salt.count == scryptSaltByteCount, "age scrypt salts are 16 bytes")
        precondition(logN >= 1 && logN <= 30, "scrypt work factor out of range")
        let labelledSalt = scryptSaltLabel + salt
        let wrapKey: SecureBytes
        do {
            wrapKey = try SecureBytes(
                count: Int(crypto_aead_chacha20poly1305_ietf_KEYBYTES),
                filling: { (key) throws(CryptoError) in
                    let code = passphrase.withUnsafeBytes { password in
                        labelledSalt.withUnsafeBytes { salt in
                            crypto_pwhash_scryptsalsa208sha256_ll(
                                password.sodiumInput!,
                                password.count,
                                salt.sodiumInput!,
                                salt.count,
                                UInt64(1) << UInt64(logN),
                                8,
                                1,
                                key.sodiumOutput!,
                                key.count
                            )
                        }
                    }
                    try SodiumCall.check(code, "crypto_pwhash_scryptsalsa208sha256_ll")
                }
            )
        } catch .sodiumCallFailed {
            throw .scryptFailed(logN: logN)
        } catch {
            throw .crypto(error)
        }
        let body = try AgeError.lifting { () throws(CryptoError) in try AgeFileKey.wrap(fileKey, with: wrapKey) }
        return AgeStanza(arguments: ["scrypt", AgeBase64.encode(salt), String(logN)], body: body)
    }
}
