internal import CSodium

extension AgeStanza {
    /// The HKDF info string of X25519 wrap keys.
    static let x25519Info = Array("age-encryption.org/v1/X25519".utf8)
    /// The ephemeral secret length: 32 bytes from the CSPRNG, fresh for every file.
    static let ephemeralSecretByteCount = Int(crypto_scalarmult_curve25519_SCALARBYTES)

    /// `-> X25519 SHARE` with body ChaCha20-Poly1305(HKDF(X25519(ephemeral, recipient), share ‖ recipient,
    /// "age-encryption.org/v1/X25519"), file key).
    ///
    /// - Throws: ``AgeError/lowOrderRecipient`` if the shared secret is all zeroes (libsodium refuses it).
    static func x25519(
        fileKey: SecureBytes,
        recipient: X25519Recipient,
        ephemeralSecret: SecureBytes
    ) throws(AgeError) -> AgeStanza {
        precondition(ephemeralSecret.count == ephemeralSecretByteCount, "X25519 secrets are 32 bytes")
        let share = publicShare(of: ephemeralSecret)
        let sharedSecret = try sharedSecret(ephemeralSecret, recipient)
        let salt = share + recipient.publicKey
        return try AgeError.lifting { () throws(CryptoError) in
            let wrapKey = try HKDFSHA256.deriveKey(ikm: sharedSecret, salt: salt, info: x25519Info)
            let body = try AgeFileKey.wrap(fileKey, with: wrapKey)
            return AgeStanza(arguments: ["X25519", AgeBase64.encode(share)], body: body)
        }
    }

    /// X25519(secret, basepoint): the public half of a key pair.
    static func publicShare(of secret: SecureBytes) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: X25519Recipient.keyByteCount) { output, initialized in
            let code = secret.withUnsafeBytes { crypto_scalarmult_curve25519_base(output.baseAddress!, $0.sodiumInput!) }
            SodiumCall.require(code, "crypto_scalarmult_curve25519_base")
            initialized = X25519Recipient.keyByteCount
        }
    }

    /// X25519(secret, recipient) in guarded memory; libsodium fails (and this throws
    /// ``AgeError/lowOrderRecipient``) when the result is all zeroes.
    private static func sharedSecret(
        _ secret: SecureBytes,
        _ recipient: X25519Recipient
    ) throws(AgeError) -> SecureBytes {
        do {
            return try SecureBytes(
                count: X25519Recipient.keyByteCount,
                filling: { (shared) throws(CryptoError) in
                    let code = secret.withUnsafeBytes { secret in
                        recipient.publicKey.withUnsafeBytes { point in
                            crypto_scalarmult_curve25519(shared.sodiumOutput!, secret.sodiumInput!, point.sodiumInput!)
                        }
                    }
                    try SodiumCall.check(code, "crypto_scalarmult_curve25519")
                }
            )
        } catch .sodiumCallFailed {
            throw .lowOrderRecipient
        } catch {
            throw .crypto(error)
        }
    }
}
