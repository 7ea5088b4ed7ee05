public import Foundation
public import VaultCrypto
import VaultIndex

/// Checkpoint signers: one Ed25519 key per process that signs audit checkpoints on its own (the
/// service, the sweeper daemon), each sealed under that process's own passphrase, so signing needs
/// neither the vault passphrase (which also opens the pseudonym key) nor any decryption key.
///
/// Files: `keyring/audit-signers/<name>.json` (``Keyring/SigningKeyKind/auditSigner``). The public
/// key printed when a signer is made is what a verifier must get from outside the vault (`audit
/// verify --public-key`): the copy in this folder is only as trustworthy as whoever can write it.
extension Vault {
    /// Makes a checkpoint signer (see ``Keyring``'s audit signers) and returns its public key.
    public func addAuditSigner(_ name: String, passphrase: SecureBytes, actor: String) async throws(VaultError) -> [UInt8] {
        try await vaultBoundary {
            try Self.validateName(name, what: "checkpoint signer name")
            try PassphraseStrength.check(passphrase, for: "checkpoint signer '\(name)'")
            let signing = try keyring.createSigningKey(.auditSigner, name: name, passphrase: passphrase, strength: config.kdf, now: clock())
            try await catalog.appendAudit(AuditDraft(actor: actor, action: .auditSignerAdd, target: name,
                                                     detail: "public key \(Hex.encode(signing.publicKey))"))
            return signing.publicKey
        }
    }

    /// Unlocks a checkpoint signer with its passphrase.
    public func unlockAuditSigner(_ name: String, passphrase: SecureBytes) throws(VaultError) -> SigningKeyPair {
        try vaultBoundary {
            do {
                return try keyring.unlockSigningKey(.auditSigner, name: name, passphrase: passphrase)
            } catch let failure as Keyring.SigningKeyFailure {
                switch failure {
                case .missing(let path):
                    throw VaultError.keyring(path: path, reason: "no checkpoint signer '\(name)' (make one with `sessionvault audit signer add \(name)`)")
                case .wrongPassphrase:
                    throw VaultError.wrongPassphrase(what: "checkpoint signer '\(name)'")
                }
            }
        }
    }
}
