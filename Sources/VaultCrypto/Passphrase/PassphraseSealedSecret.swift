internal import CSodium
internal import Foundation

/// A small secret (a role's secret key, a pseudonym key) sealed under a passphrase, in a JSON-friendly form.
///
/// Argon2id (`crypto_pwhash`, `ALG_ARGON2ID13`) derives a 32-byte key from the passphrase and a random
/// 16-byte salt; XChaCha20-Poly1305 (`crypto_aead_xchacha20poly1305_ietf`, random 24-byte nonce) seals the
/// secret with the UTF-8 `context` string (e.g. `"role:clinician"`) as associated data, so a secret
/// sealed for one purpose does not open for another. The KDF parameters and salt are authenticated
/// implicitly: changing any of them changes the derived key and the tag no longer verifies.
///
/// ```json
/// {"version":1,"kdf":"argon2id13","opsLimit":2,"memLimit":67108864,
///  "salt":"<base64 16 bytes>","nonce":"<base64 24 bytes>","ciphertext":"<base64 secret+16 bytes>"}
/// ```
public struct PassphraseSealedSecret: Sendable, Codable, Equatable {
    /// The format version this module writes and opens.
    public static let currentVersion = 1
    /// The only KDF identifier this module writes and opens.
    public static let argon2id13 = "argon2id13"
    /// Largest accepted `opsLimit` (that of ``KDFStrength/sensitive``): a hostile keyring cannot make
    /// `open` spin for minutes.
    public static let maxOpsLimit = KDFStrength.sensitive.opsLimit
    /// Largest accepted `memLimit`, 1 GiB (that of ``KDFStrength/sensitive``): a hostile keyring cannot
    /// make `open` allocate arbitrary memory.
    public static let maxMemLimit = KDFStrength.sensitive.memLimit
    /// Largest secret that can be sealed or opened: 4 KiB (keys are 32–64 bytes).
    public static let maxSecretCount = 4096

    static let saltByteCount = Int(crypto_pwhash_argon2id_SALTBYTES)
    static let nonceByteCount = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    static let tagByteCount = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)
    static let keyByteCount = Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    static let minOpsLimit = UInt64(crypto_pwhash_argon2id_opslimit_min())
    static let minMemLimit = UInt64(crypto_pwhash_argon2id_memlimit_min())

    /// Format version, 1.
    public let version: Int
    /// KDF identifier, `"argon2id13"`.
    public let kdf: String
    /// Argon2id pass count.
    public let opsLimit: UInt64
    /// Argon2id memory in bytes.
    public let memLimit: UInt64
    /// Base64 of the 16-byte salt.
    public let salt: String
    /// Base64 of the 24-byte XChaCha20-Poly1305 nonce.
    public let nonce: String
    /// Base64 of ciphertext ‖ 16-byte tag.
    public let ciphertext: String

    /// Assembles a sealed secret from its fields (for decoders other than `Codable`); nothing is
    /// validated until ``open(passphrase:context:)``.
    public init(
        version: Int,
        kdf: String,
        opsLimit: UInt64,
        memLimit: UInt64,
        salt: String,
        nonce: String,
        ciphertext: String
    ) {
        self.version = version
        self.kdf = kdf
        self.opsLimit = opsLimit
        self.memLimit = memLimit
        self.salt = salt
        self.nonce = nonce
        self.ciphertext = ciphertext
    }

    /// Seals `secret` under `passphrase` (UTF-8 bytes) with the cost of `strength`, bound to `context`.
    public static func seal(
        _ secret: SecureBytes,
        passphrase: SecureBytes,
        strength: KDFStrength,
        context: String
    ) throws -> PassphraseSealedSecret {
        try seal(
            secret,
            passphrase: passphrase,
            opsLimit: strength.opsLimit,
            memLimit: strength.memLimit,
            context: context
        )
    }

    /// As ``seal(_:passphrase:strength:context:)`` with explicit Argon2id costs (within the bounds `open` accepts).
    static func seal(
        _ secret: SecureBytes,
        passphrase: SecureBytes,
        opsLimit: UInt64,
        memLimit: UInt64,
        context: String
    ) throws(CryptoError) -> PassphraseSealedSecret {
        try Sodium.initialize()
        precondition((minOpsLimit...maxOpsLimit).contains(opsLimit) && (minMemLimit...maxMemLimit).contains(memLimit))
        guard secret.count <= maxSecretCount else {
            throw .malformedSealedSecret("secret of \(secret.count) bytes exceeds \(maxSecretCount)")
        }
        let salt = randomBytes(saltByteCount)
        let nonce = randomBytes(nonceByteCount)
        let key = try deriveKey(passphrase: passphrase, salt: salt, opsLimit: opsLimit, memLimit: memLimit)
        let ad = Array(context.utf8)
        var code: Int32 = 0
        let sealed = [UInt8](unsafeUninitializedCapacity: secret.count + tagByteCount) { output, initialized in
            code = secret.withUnsafeBytes { message in
                key.withUnsafeBytes { key in
                    ad.withUnsafeBytes { ad in
                        nonce.withUnsafeBytes { nonce in
                            crypto_aead_xchacha20poly1305_ietf_encrypt(
                                output.baseAddress!,
                                nil,
                                message.sodiumInput,
                                UInt64(message.count),
                                ad.sodiumInput,
                                UInt64(ad.count),
                                nil,
                                nonce.sodiumInput!,
                                key.sodiumInput!
                            )
                        }
                    }
                }
            }
            initialized = code == 0 ? output.count : 0
        }
        try SodiumCall.check(code, "crypto_aead_xchacha20poly1305_ietf_encrypt")
        return PassphraseSealedSecret(
            version: currentVersion,
            kdf: argon2id13,
            opsLimit: opsLimit,
            memLimit: memLimit,
            salt: Data(salt).base64EncodedString(),
            nonce: Data(nonce).base64EncodedString(),
            ciphertext: Data(sealed).base64EncodedString()
        )
    }

    /// Opens the secret into guarded memory.
    ///
    /// Fields are validated before any work: version, KDF name, `opsLimit` and `memLimit` within
    /// Argon2id's minimums and ``maxOpsLimit`` / ``maxMemLimit``, salt and nonce lengths, ciphertext length.
    /// - Throws: ``CryptoError/malformedSealedSecret(_:)`` for an invalid field,
    ///   ``CryptoError/keyDerivationFailed(opsLimit:memLimit:)`` if Argon2id cannot get its memory,
    ///   ``CryptoError/wrongPassphrase`` if the tag does not verify (wrong passphrase, wrong context,
    ///   or altered salt, parameters or ciphertext: these cannot be told apart).
    public func open(passphrase: SecureBytes, context: String) throws(CryptoError) -> SecureBytes {
        try Sodium.initialize()
        guard version == Self.currentVersion else { throw .malformedSealedSecret("unsupported version \(version)") }
        guard kdf == Self.argon2id13 else {
            throw .malformedSealedSecret("unsupported kdf \"\(kdf.prefix(32))\"")
        }
        guard (Self.minOpsLimit...Self.maxOpsLimit).contains(opsLimit) else {
            throw .malformedSealedSecret("opsLimit \(opsLimit) outside \(Self.minOpsLimit)...\(Self.maxOpsLimit)")
        }
        guard (Self.minMemLimit...Self.maxMemLimit).contains(memLimit) else {
            throw .malformedSealedSecret("memLimit \(memLimit) outside \(Self.minMemLimit)...\(Self.maxMemLimit)")
        }
        let salt = try Self.decode(salt, field: "salt", count: Self.saltByteCount...Self.saltByteCount)
        let nonce = try Self.decode(nonce, field: "nonce", count: Self.nonceByteCount...Self.nonceByteCount)
        let sealed = try Self.decode(
            ciphertext,
            field: "ciphertext",
            count: Self.tagByteCount...(Self.maxSecretCount + Self.tagByteCount)
        )
        let key = try Self.deriveKey(passphrase: passphrase, salt: salt, opsLimit: opsLimit, memLimit: memLimit)
        let ad = Array(context.utf8)
        return try SecureBytes(
            count: sealed.count - Self.tagByteCount,
            filling: { (output) throws(CryptoError) in
                let code = sealed.withUnsafeBytes { sealed in
                    key.withUnsafeBytes { key in
                        ad.withUnsafeBytes { ad in
                            nonce.withUnsafeBytes { nonce in
                                crypto_aead_xchacha20poly1305_ietf_decrypt(
                                    output.sodiumOutput,
                                    nil,
                                    nil,
                                    sealed.sodiumInput!,
                                    UInt64(sealed.count),
                                    ad.sodiumInput,
                                    UInt64(ad.count),
                                    nonce.sodiumInput!,
                                    key.sodiumInput!
                                )
                            }
                        }
                    }
                }
                guard code == 0 else { throw .wrongPassphrase }
            }
        )
    }

    /// Argon2id13 → 32-byte key in guarded memory.
    private static func deriveKey(
        passphrase: SecureBytes,
        salt: [UInt8],
        opsLimit: UInt64,
        memLimit: UInt64
    ) throws(CryptoError) -> SecureBytes {
        guard let memory = Int(exactly: memLimit) else {
            throw .keyDerivationFailed(opsLimit: opsLimit, memLimit: memLimit)
        }
        return try SecureBytes(
            count: keyByteCount,
            filling: { (key) throws(CryptoError) in
                let code = passphrase.withUnsafeBytes { passphrase in
                    passphrase.withNonNullBytes { password in
                        salt.withUnsafeBytes { salt in
                            crypto_pwhash(
                                key.sodiumOutput!,
                                UInt64(key.count),
                                UnsafeRawPointer(password).assumingMemoryBound(to: CChar.self),
                                UInt64(passphrase.count),
                                salt.sodiumInput!,
                                opsLimit,
                                memory,
                                crypto_pwhash_ALG_ARGON2ID13
                            )
                        }
                    }
                }
                guard code == 0 else { throw .keyDerivationFailed(opsLimit: opsLimit, memLimit: memLimit) }
            }
        )
    }

    /// Strict base64 (standard alphabet, padded) of a length within `count`.
    private static func decode(_ text: String, field: String, count: ClosedRange<Int>) throws(CryptoError) -> [UInt8] {
        let expected =
            count.lowerBound == count.upperBound
            ? "\(count.lowerBound)" : "\(count.lowerBound)–\(count.upperBound)"
        // Bound the text before decoding so that a hostile field cannot make us allocate much.
        guard text.utf8.count <= (count.upperBound + 2) / 3 * 4, let data = Data(base64Encoded: text) else {
            throw .malformedSealedSecret("\(field) is not base64 of \(expected) bytes")
        }
        guard count.contains(data.count) else {
            throw .malformedSealedSecret("\(field) decodes to \(data.count) bytes, expected \(expected)")
        }
        return Array(data)
    }

    private static func randomBytes(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            randombytes_buf(buffer.baseAddress!, count)
            initialized = count
        }
    }
}
