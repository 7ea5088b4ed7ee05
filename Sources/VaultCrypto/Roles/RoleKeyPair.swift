internal import CSodium

/// A role's X25519 key pair, as used by ``SealedBox`` and ``KeyWrap``.
///
/// The secret key is normally at rest inside a ``PassphraseSealedSecret`` and lives in memory only as
/// ``SecureBytes``.
public struct RoleKeyPair: Sendable {
    /// The secret key length: 32 bytes.
    public static let secretKeyByteCount = Int(crypto_box_SECRETKEYBYTES)

    /// The public half, safe to publish.
    public let publicKey: RolePublicKey
    /// The 32-byte X25519 secret key, in guarded memory.
    public let secretKey: SecureBytes

    /// A fresh key pair (`crypto_box_keypair`).
    public static func generate() throws -> RoleKeyPair {
        try Sodium.initialize()
        var publicBytes = [UInt8](repeating: 0, count: RolePublicKey.byteCount)
        let secretKey = try SecureBytes(
            count: secretKeyByteCount,
            filling: { (secret) throws(CryptoError) in
                let code = publicBytes.withUnsafeMutableBytes {
                    crypto_box_keypair($0.sodiumOutput!, secret.sodiumOutput!)
                }
                try SodiumCall.check(code, "crypto_box_keypair")
            }
        )
        return RoleKeyPair(unchecked: try RolePublicKey(checked: publicBytes), secretKey: secretKey)
    }

    /// Pairs a public key with its secret key, checking that they belong together.
    ///
    /// - Throws: ``CryptoError/invalidKeyLength(what:expected:got:)`` for a secret key that is not
    ///   32 bytes, ``CryptoError/keyPairMismatch`` unless `crypto_scalarmult_base(secretKey)` equals
    ///   `publicKey`.
    public init(publicKey: RolePublicKey, secretKey: SecureBytes) throws {
        try Sodium.initialize()
        guard secretKey.count == Self.secretKeyByteCount else {
            throw CryptoError.invalidKeyLength(
                what: "role secret key",
                expected: Self.secretKeyByteCount,
                got: secretKey.count
            )
        }
        var derived = [UInt8](repeating: 0, count: RolePublicKey.byteCount)
        let code = secretKey.withUnsafeBytes { secret in
            derived.withUnsafeMutableBytes { crypto_scalarmult_base($0.sodiumOutput!, secret.sodiumInput!) }
        }
        guard code == 0, ConstantTime.equals(derived, publicKey.bytes) else { throw CryptoError.keyPairMismatch }
        self.init(unchecked: publicKey, secretKey: secretKey)
    }

    private init(unchecked publicKey: RolePublicKey, secretKey: SecureBytes) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }
}
