public import Foundation
public import VaultCrypto

/// The vault's secret keys at rest, each sealed under a passphrase (Argon2id + XChaCha20-Poly1305).
///
/// Layout under `keyring/`:
/// - `vault-secrets.json`: the pseudonym key (keyed hash of patient identifiers) and the audit
///   signing key, sealed under the vault passphrase.
/// - `roles/<role>/<key id>.json`: one file per role key pair; a role has several only while a
///   rotation is under way. The catalog says which key id is current and which each wrap uses.
///
/// The catalog never holds these secrets; the sweeper never opens this folder.
public struct Keyring: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    struct RoleKeyFile: Codable {
        var format: Int
        var role: String
        var keyID: String
        var publicKey: String
        var secretKey: PassphraseSealedSecret
        var createdAt: Date
    }

    struct VaultSecretsFile: Codable {
        var format: Int
        /// Nil once the pseudonym key is held by officers (``Vault/sealPseudonymKeyToOfficers(vaultPassphrase:by:)``).
        var pseudonymKey: PassphraseSealedSecret?
        var auditSigningKey: PassphraseSealedSecret
        var auditPublicKey: String
    }

    /// The vault's own secrets once unlocked.
    public struct VaultSecrets: Sendable {
        /// Nil once the pseudonym key is held by officers rather than under the vault passphrase.
        public let pseudonymKey: PseudonymKey?
        public let auditSigning: SigningKeyPair
    }

    var vaultSecretsFile: URL { directory.appendingPathComponent("vault-secrets.json") }

    func roleKeyFile(role: String, keyID: String) -> URL {
        directory.appendingPathComponent("roles").appendingPathComponent(role).appendingPathComponent(keyID + ".json")
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    // MARK: - Vault secrets

    /// Makes the vault's pseudonym and audit-signing keys; refuses to replace existing ones.
    func createVaultSecrets(passphrase: SecureBytes, strength: KDFStrength) throws -> VaultSecrets {
        let pseudonym = try PseudonymKey.generate()
        let signing = try SigningKeyPair.generate()
        let file = VaultSecretsFile(
            format: 1,
            pseudonymKey: try PassphraseSealedSecret.seal(pseudonym.bytes, passphrase: passphrase, strength: strength, context: "vault:pseudonym"),
            auditSigningKey: try PassphraseSealedSecret.seal(signing.secretKey, passphrase: passphrase, strength: strength, context: "vault:audit-signing"),
            auditPublicKey: Data(signing.publicKey).base64EncodedString())
        try AtomicFile.write(Array(try Self.encoder().encode(file)), to: vaultSecretsFile, replace: false)
        return VaultSecrets(pseudonymKey: pseudonym, auditSigning: signing)
    }

    /// Unlocks the vault's secrets with the vault passphrase.
    public func unlockVaultSecrets(passphrase: SecureBytes) throws -> VaultSecrets {
        let file: VaultSecretsFile = try load(vaultSecretsFile)
        do {
            let pseudonym = try file.pseudonymKey.map { try PseudonymKey(bytes: try $0.open(passphrase: passphrase, context: "vault:pseudonym")) }
            let signing = try SigningKeyPair(secretKey: try file.auditSigningKey.open(passphrase: passphrase, context: "vault:audit-signing"))
            return VaultSecrets(pseudonymKey: pseudonym, auditSigning: signing)
        } catch let error as CryptoError {
            if error == .wrongPassphrase { throw VaultError.wrongPassphrase(what: "the vault secrets (\(vaultSecretsFile.lastPathComponent))") }
            throw VaultError.keyring(path: vaultSecretsFile.path, reason: error.description)
        }
    }

    /// Whether the pseudonym key is still sealed under the vault passphrase.
    func pseudonymKeyUnderVaultPassphrase() throws -> Bool {
        let file: VaultSecretsFile = try load(vaultSecretsFile)
        return file.pseudonymKey != nil
    }

    /// Removes the vault-passphrase copy of the pseudonym key (once officers hold it).
    func removePseudonymKeyFromVaultSecrets() throws {
        var file: VaultSecretsFile = try load(vaultSecretsFile)
        guard file.pseudonymKey != nil else { return }
        file.pseudonymKey = nil
        try AtomicFile.write(Array(try Self.encoder().encode(file)), to: vaultSecretsFile, replace: true)
    }

    /// The pseudonym key sealed to officer `name` (a sealed box to their key's X25519 form).
    func pseudonymKeyFile(officer name: String) -> URL {
        pseudonymKeyDirectory.appendingPathComponent(name + ".sealed")
    }

    /// Where the officers' copies of the pseudonym key are kept, one file each.
    var pseudonymKeyDirectory: URL { directory.appendingPathComponent("pseudonym") }

    /// The audit-signing public key (no passphrase needed to verify).
    public func auditPublicKey() throws -> [UInt8] {
        let file: VaultSecretsFile = try load(vaultSecretsFile)
        guard let key = Data(base64Encoded: file.auditPublicKey), key.count == 32 else {
            throw VaultError.keyring(path: vaultSecretsFile.path, reason: "auditPublicKey is not a 32-byte base64 value")
        }
        return Array(key)
    }

    // MARK: - Role keys

    /// Writes a new role key file (never overwriting one).
    func storeRoleKey(role: String, keyPair: RoleKeyPair, passphrase: SecureBytes, strength: KDFStrength, now: Date) throws {
        let sealed = try PassphraseSealedSecret.seal(keyPair.secretKey, passphrase: passphrase, strength: strength, context: "role:" + role)
        let file = RoleKeyFile(format: 1, role: role, keyID: keyPair.publicKey.keyID, publicKey: Data(keyPair.publicKey.bytes).base64EncodedString(),
                               secretKey: sealed, createdAt: now)
        try AtomicFile.write(Array(try Self.encoder().encode(file)), to: roleKeyFile(role: role, keyID: keyPair.publicKey.keyID), replace: false)
    }

    /// Unlocks one key of a role. The file must name the role and key id it is filed under, and
    /// its secret must match its public key.
    public func unlockRoleKey(role: String, keyID: String, passphrase: SecureBytes) throws -> RoleKeyPair {
        let url = roleKeyFile(role: role, keyID: keyID)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw VaultError.keyring(path: url.path, reason: "missing: the key of role '\(role)' with id \(keyID) is not in this keyring")
        }
        let file: RoleKeyFile = try load(url)
        guard file.role == role, file.keyID == keyID else {
            throw VaultError.keyring(path: url.path, reason: "the file names role '\(file.role)' key \(file.keyID), not '\(role)' key \(keyID)")
        }
        guard let publicBytes = Data(base64Encoded: file.publicKey) else {
            throw VaultError.keyring(path: url.path, reason: "publicKey is not base64")
        }
        do {
            let publicKey = try RolePublicKey(bytes: Array(publicBytes))
            guard publicKey.keyID == keyID else { throw VaultError.keyring(path: url.path, reason: "public key does not match key id \(keyID)") }
            let secret = try file.secretKey.open(passphrase: passphrase, context: "role:" + role)
            return try RoleKeyPair(publicKey: publicKey, secretKey: secret)
        } catch let error as CryptoError {
            if error == .wrongPassphrase { throw VaultError.wrongPassphrase(what: "role '\(role)'") }
            throw VaultError.keyring(path: url.path, reason: error.description)
        }
    }

    /// Key ids for which a file exists for the role.
    public func roleKeyIDs(role: String) -> [String] {
        let dir = directory.appendingPathComponent("roles").appendingPathComponent(role)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Deletes a retired role key file (after a rotation has re-wrapped everything it opened).
    func removeRoleKey(role: String, keyID: String) throws {
        let url = roleKeyFile(role: role, keyID: keyID)
        if unlink(url.path) != 0 && errno != ENOENT {
            throw VaultError.output(path: url.path, reason: String(cString: strerror(errno)))
        }
        try AtomicFile.syncDirectory(url.deletingLastPathComponent().path)
    }

    func load<T: Decodable>(_ url: URL) throws -> T {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw VaultError.keyring(path: url.path, reason: "cannot be read (\((error as NSError).localizedDescription))")
        }
        do {
            return try Self.decoder().decode(T.self, from: data)
        } catch {
            throw VaultError.keyring(path: url.path, reason: "corrupt: not a valid keyring file (\(Self.describe(error)))")
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "field '\(path)': \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
