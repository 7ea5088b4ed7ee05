public import Foundation
public import VaultCrypto
import VaultIndex

/// Checkpoint signers: one Ed25519 key per process that signs audit checkpoints on its own (the
/// service, the sweeper daemon), each sealed under that process's own passphrase, so signing needs
/// neither the vault passphrase (which also opens the pseudonym key) nor any decryption key.
///
/// Files: `keyring/audit-signers/<name>.json`. The public key printed when a signer is made is
/// what a verifier must get from outside the vault (`audit verify --public-key`): the copy in this
/// folder is only as trustworthy as whoever can write the folder.
extension Keyring {
    struct AuditSignerFile: Codable {
        var format: Int
        var name: String
        var publicKey: String
        var secretKey: PassphraseSealedSecret
        var createdAt: Date
    }

    var auditSignersDirectory: URL { directory.appendingPathComponent("audit-signers") }

    func auditSignerFile(_ name: String) -> URL { auditSignersDirectory.appendingPathComponent(name + ".json") }

    func createAuditSigner(name: String, passphrase: SecureBytes, strength: KDFStrength, now: Date) throws -> SigningKeyPair {
        let url = auditSignerFile(name)
        guard !FileManager.default.fileExists(atPath: url.path) else {
            throw VaultError.invalidArgument("checkpoint signer '\(name)' already exists (\(url.path))")
        }
        let signing = try SigningKeyPair.generate()
        let file = AuditSignerFile(format: 1, name: name, publicKey: Hex.encode(signing.publicKey),
                                   secretKey: try PassphraseSealedSecret.seal(signing.secretKey, passphrase: passphrase, strength: strength,
                                                                              context: "audit-signer:" + name),
                                   createdAt: now)
        try FileManager.default.createDirectory(at: auditSignersDirectory, withIntermediateDirectories: true)
        try AtomicFile.write(Array(try Self.encoder().encode(file)), to: url, replace: false)
        return signing
    }

    func unlockAuditSigner(name: String, passphrase: SecureBytes) throws -> SigningKeyPair {
        let url = auditSignerFile(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw VaultError.keyring(path: url.path, reason: "no checkpoint signer '\(name)' (make one with `sessionvault audit signer add \(name)`)")
        }
        let file: AuditSignerFile = try load(url)
        do {
            let signing = try SigningKeyPair(secretKey: try file.secretKey.open(passphrase: passphrase, context: "audit-signer:" + name))
            guard Hex.encode(signing.publicKey) == file.publicKey else {
                throw VaultError.keyring(path: url.path, reason: "the public key does not belong to the sealed secret key")
            }
            return signing
        } catch let error as CryptoError {
            if error == .wrongPassphrase { throw VaultError.wrongPassphrase(what: "checkpoint signer '\(name)'") }
            throw VaultError.keyring(path: url.path, reason: error.description)
        }
    }

    /// The signers' public keys as recorded in this keyring, by name.
    func auditSignerPublicKeys() throws -> [String: [UInt8]] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: auditSignersDirectory.path)) ?? []
        var result: [String: [UInt8]] = [:]
        for name in names where name.hasSuffix(".json") {
            let file: AuditSignerFile = try load(auditSignersDirectory.appendingPathComponent(name))
            guard let key = Hex.decode(file.publicKey), key.count == 32 else {
                throw VaultError.keyring(path: auditSignersDirectory.appendingPathComponent(name).path, reason: "publicKey is not 32 hex bytes")
            }
            result[file.name] = key
        }
        return result
    }
}

extension Vault {
    /// Makes a checkpoint signer (see ``Keyring``'s audit signers) and returns its public key.
    public func addAuditSigner(_ name: String, passphrase: SecureBytes, actor: String) async throws -> [UInt8] {
        try Self.validateName(name, what: "checkpoint signer name")
        let signing = try keyring.createAuditSigner(name: name, passphrase: passphrase, strength: config.kdf, now: clock())
        try await catalog.appendAudit(AuditDraft(actor: actor, action: "audit.signer.add", target: name,
                                                 detail: "public key \(Hex.encode(signing.publicKey))"))
        return signing.publicKey
    }

    /// Unlocks a checkpoint signer with its passphrase.
    public func unlockAuditSigner(_ name: String, passphrase: SecureBytes) throws -> SigningKeyPair {
        try keyring.unlockAuditSigner(name: name, passphrase: passphrase)
    }
}
