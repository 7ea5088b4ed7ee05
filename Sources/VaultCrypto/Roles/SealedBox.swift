internal import CSodium

/// Anonymous public-key encryption to a role (libsodium `crypto_box_seal`): an ephemeral X25519 key,
/// XSalsa20-Poly1305, 48 bytes of overhead. Anyone can seal; only the role's secret key opens.
public enum SealedBox {
    /// Bytes a box adds to its message: ephemeral public key (32) + tag (16).
    public static let overhead = crypto_box_sealbytes()

    /// Seals `message` to `recipient`.
    /// - Throws: ``CryptoError/invalidPublicKey(what:)`` if libsodium rejects the key (low-order point).
    public static func seal(_ message: UnsafeRawBufferPointer, to recipient: RolePublicKey) throws -> [UInt8] {
        try Sodium.initialize()
        var code: Int32 = 0
        let box = [UInt8](unsafeUninitializedCapacity: message.count + overhead) { output, initialized in
            code = recipient.bytes.withUnsafeBytes { publicKey in
                crypto_box_seal(output.baseAddress!, message.sodiumInput, UInt64(message.count), publicKey.sodiumInput!)
            }
            initialized = code == 0 ? output.count : 0
        }
        guard code == 0 else { throw CryptoError.invalidPublicKey(what: "role public key \(recipient.keyID)") }
        return box
    }

    /// Opens a box sealed to `keyPair`, into guarded memory.
    /// - Throws: ``CryptoError/unwrapFailed`` if the box is not for this key pair, or is truncated or altered.
    public static func open(_ box: [UInt8], with keyPair: RoleKeyPair) throws(CryptoError) -> SecureBytes {
        guard box.count >= overhead else { throw .unwrapFailed }
        return try SecureBytes(
            count: box.count - overhead,
            filling: { (message) throws(CryptoError) in
                let code = box.withUnsafeBytes { box in
                    keyPair.publicKey.bytes.withUnsafeBytes { publicKey in
                        keyPair.secretKey.withUnsafeBytes { secretKey in
                            crypto_box_seal_open(
                                message.sodiumOutput,
                                box.sodiumInput!,
                                UInt64(box.count),
                                publicKey.sodiumInput!,
                                secretKey.sodiumInput!
                            )
                        }
                    }
                }
                guard code == 0 else { throw .unwrapFailed }
            }
        )
    }
}
