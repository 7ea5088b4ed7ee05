import Foundation
import VaultCrypto

/// Ed25519 keys of named holders (checkpoint signers, officers), each sealed under its holder's
/// own passphrase: `keyring/<kind folder>/<name>.json`, with the public key beside it in clear.
extension Keyring {
    /// Whose key it is: the folder under `keyring/` and the sealing context.
    enum SigningKeyKind: String {
        case auditSigner = "audit-signers"
        case officer = "officers"

        var context: String { self == .auditSigner ? "audit-signer:" : "officer:" }
    }

    /// Why a holder's key could not be unlocked (each caller words it for its holder).
    enum SigningKeyFailure: Error {
        case missing(path: String)
        case wrongPassphrase
    }

    struct SigningKeyFile: Codable {
        var format: Int
        var name: String
        var publicKey: String
        var secretKey: PassphraseSealedSecret
        var createdAt: Date
    }

    func signingKeyDirectory(_ kind: SigningKeyKind) -> URL { directory.appendingPathComponent(kind.rawValue) }

    func signingKeyFile(_ kind: SigningKeyKind, _ name: String) -> URL { signingKeyDirectory(kind).appendingPathComponent(name + ".json") }

    /// Makes and stores a new key for `name`; refuses to replace one.
    func createSigningKey(_ kind: SigningKeyKind, name: String, passphrase: SecureBytes, strength: KDFStrength, now: Date) throws -> SigningKeyPair {
        let url = signingKeyFile(kind, name)
        guard !FileManager.default.fileExists(atPath: url.path) else {
            throw VaultError.invalidArgument("a key for '\(name)' already exists (\(url.path))")
        }
        let signing = try SigningKeyPair.generate()
        let file = SigningKeyFile(format: 1, name: name, publicKey: Hex.encode(signing.publicKey),
                                  secretKey: try PassphraseSealedSecret.seal(signing.secretKey, passphrase: passphrase, strength: strength,
                                                                             context: kind.context + name),
                                  createdAt: now)
        try FileManager.default.createDirectory(at: signingKeyDirectory(kind), withIntermediateDirectories: true)
        try AtomicFile.write(Array(try Self.encoder().encode(file)), to: url, replace: false)
        return signing
    }

    /// Opens `name`'s key with its passphrase, checking it against the public key stored beside it.
    func unlockSigningKey(_ kind: SigningKeyKind, name: String, passphrase: SecureBytes) throws -> SigningKeyPair {
        let url = signingKeyFile(kind, name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw SigningKeyFailure.missing(path: url.path) }
        let file: SigningKeyFile = try load(url)
        let signing: SigningKeyPair
        do {
            signing = try SigningKeyPair(secretKey: try file.secretKey.open(passphrase: passphrase, context: kind.context + name))
        } catch let error as CryptoError {
            if error == .wrongPassphrase { throw SigningKeyFailure.wrongPassphrase }
            throw VaultError.keyring(path: url.path, reason: error.description)
        }
        guard Hex.encode(signing.publicKey) == file.publicKey else {
            throw VaultError.keyring(path: url.path, reason: "the public key does not belong to the sealed secret key")
        }
        return signing
    }

    /// The public keys stored in the folder, by holder name.
    func signingPublicKeys(_ kind: SigningKeyKind) throws -> [String: [UInt8]] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: signingKeyDirectory(kind).path)) ?? []
        var result: [String: [UInt8]] = [:]
        for name in names where name.hasSuffix(".json") {
            let url = signingKeyDirectory(kind).appendingPathComponent(name)
            let file: SigningKeyFile = try load(url)
            guard let key = Hex.decode(file.publicKey), key.count == 32 else {
                throw VaultError.keyring(path: url.path, reason: "publicKey is not 32 hex bytes")
            }
            result[file.name] = key
        }
        return result
    }
}
