internal import CSodium

/// An Ed25519 key pair for detached signatures (audit-log checkpoints, disposal certificates, exports).
public struct SigningKeyPair: Sendable {
    /// Public key length: 32 bytes.
    public static let publicKeySize = Int(crypto_sign_PUBLICKEYBYTES)
    /// Secret key length in libsodium's form (seed ‖ public key): 64 bytes.
    public static let secretKeySize = Int(crypto_sign_SECRETKEYBYTES)
    /// Seed length: 32 bytes.
    public static let seedSize = Int(crypto_sign_SEEDBYTES)
    /// Signature length: 64 bytes.
    public static let signatureSize = Int(crypto_sign_BYTES)

    /// The 32-byte public key.
    public let publicKey: [UInt8]
    /// The 64-byte secret key (seed ‖ public key), in guarded memory.
    public let secretKey: SecureBytes

    /// A fresh key pair (`crypto_sign_keypair`).
    public static func generate() throws -> SigningKeyPair {
        try Sodium.initialize()
        var publicKey = [UInt8](repeating: 0, count: publicKeySize)
        let secretKey = try SecureBytes(
            count: secretKeySize,
            filling: { (secret) throws(CryptoError) in
                let code = publicKey.withUnsafeMutableBytes {
                    crypto_sign_keypair($0.sodiumOutput!, secret.sodiumOutput!)
                }
                try SodiumCall.check(code, "crypto_sign_keypair")
            }
        )
        return SigningKeyPair(publicKey: publicKey, secretKey: secretKey)
    }

    /// Restores a key pair from a 64-byte libsodium secret key or a 32-byte seed.
    ///
    /// A 64-byte key is checked: the public key it embeds must be the one its seed derives.
    /// - Throws: ``CryptoError/invalidKeyLength(what:expected:got:)``, ``CryptoError/keyPairMismatch``.
    public init(secretKey: SecureBytes) throws {
        try Sodium.initialize()
        guard secretKey.count == Self.secretKeySize || secretKey.count == Self.seedSize else {
            throw CryptoError.invalidKeyLength(
                what: "Ed25519 secret key or seed",
                expected: Self.secretKeySize,
                got: secretKey.count
            )
        }
        var publicKey = [UInt8](repeating: 0, count: Self.publicKeySize)
        let derived = try SecureBytes(
            count: Self.secretKeySize,
            filling: { (derived) throws(CryptoError) in
                let code = secretKey.withUnsafeBytes { given in
                    publicKey.withUnsafeMutableBytes {
                        crypto_sign_seed_keypair($0.sodiumOutput!, derived.sodiumOutput!, given.sodiumInput!)
                    }
                }
                try SodiumCall.check(code, "crypto_sign_seed_keypair")
            }
        )
        if secretKey.count == Self.secretKeySize {
            guard derived.constantTimeEquals(secretKey) else { throw CryptoError.keyPairMismatch }
        }
        self.init(publicKey: publicKey, secretKey: derived)
    }

    private init(publicKey: [UInt8], secretKey: SecureBytes) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// The 64-byte detached Ed25519 signature of `message`.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.signatureSize) { signature, initialized in
            let code = message.withUnsafeBytes { message in
                secretKey.withUnsafeBytes { secret in
                    crypto_sign_detached(
                        signature.baseAddress!,
                        nil,
                        message.sodiumInput,
                        UInt64(message.count),
                        secret.sodiumInput!
                    )
                }
            }
            SodiumCall.require(code, "crypto_sign_detached")
            initialized = Self.signatureSize
        }
    }

    /// Whether `signature` is a valid Ed25519 signature of `message` by `publicKey`. Wrong lengths,
    /// small-order keys and non-canonical signatures are rejected.
    public static func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard Sodium.isReady, signature.count == signatureSize, publicKey.count == publicKeySize else { return false }
        return signature.withUnsafeBytes { signature in
            message.withUnsafeBytes { message in
                publicKey.withUnsafeBytes { publicKey in
                    crypto_sign_verify_detached(
                        signature.sodiumInput!,
                        message.sodiumInput,
                        UInt64(message.count),
                        publicKey.sodiumInput!
                    ) == 0
                }
            }
        }
    }

    /// As ``verify(signature:message:publicKey:)``, throwing ``CryptoError/signatureInvalid`` on failure.
    public static func requireValid(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) throws(CryptoError) {
        guard verify(signature: signature, message: message, publicKey: publicKey) else { throw .signatureInvalid }
    }
}

extension SigningKeyPair {
    /// The X25519 public key that the Ed25519 public key `signingPublicKey` converts to
    /// (`crypto_sign_ed25519_pk_to_curve25519`): a ``SealedBox`` sealed to it opens only with
    /// ``boxKeyPair()`` of the matching signing key.
    public static func boxPublicKey(of signingPublicKey: [UInt8]) throws -> RolePublicKey {
        try Sodium.initialize()
        guard signingPublicKey.count == publicKeySize else {
            throw CryptoError.invalidKeyLength(what: "Ed25519 public key", expected: publicKeySize, got: signingPublicKey.count)
        }
        var converted = [UInt8](repeating: 0, count: RolePublicKey.byteCount)
        let code = signingPublicKey.withUnsafeBytes { given in
            converted.withUnsafeMutableBytes { crypto_sign_ed25519_pk_to_curve25519($0.sodiumOutput!, given.sodiumInput!) }
        }
        try SodiumCall.check(code, "crypto_sign_ed25519_pk_to_curve25519")
        return try RolePublicKey(checked: converted)
    }

    /// The X25519 key pair this Ed25519 key converts to (`crypto_sign_ed25519_sk_to_curve25519`), so
    /// that a box can be sealed to the holder of a signing key without a second key for them to keep.
    public func boxKeyPair() throws -> RoleKeyPair {
        let secret = try SecureBytes(
            count: RoleKeyPair.secretKeyByteCount,
            filling: { (converted) throws(CryptoError) in
                let code = secretKey.withUnsafeBytes { given in
                    crypto_sign_ed25519_sk_to_curve25519(converted.sodiumOutput!, given.sodiumInput!)
                }
                try SodiumCall.check(code, "crypto_sign_ed25519_sk_to_curve25519")
            }
        )
        return try RoleKeyPair(publicKey: try Self.boxPublicKey(of: publicKey), secretKey: secret)
    }
}
