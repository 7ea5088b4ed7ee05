import Foundation
public import VaultCrypto
import VaultIndex

/// Who holds the pseudonym key (the keyed hash that turns an NHS number into the pseudonym the
/// catalog keeps).
///
/// NHS numbers are a ten-digit space: whoever holds the key re-identifies every patient by trying
/// them all, in hours on one core. So the key must not be derivable from what an operator holds.
/// A new vault seals it under the vault passphrase until its first records officer exists; from then
/// on it is sealed to each officer (a sealed box to their Ed25519 key's X25519 form, in
/// `keyring/pseudonym/NAME.sealed`) and the vault-passphrase copy is removed. An officer's proof
/// (their own passphrase) opens their copy, in memory only. Operators can still ingest and list;
/// recording consent, care lists by identifier, patient events, holds by patient and subject access
/// need an officer.
extension Vault {
    /// Whether the pseudonym key is still sealed under the vault passphrase (not yet with officers).
    public func pseudonymKeyUnderVaultPassphrase() throws(VaultError) -> Bool {
        try vaultBoundary { try keyring.pseudonymKeyUnderVaultPassphrase() }
    }

    /// The pseudonym key for `officer` (their own sealed copy) or, while it is still under the
    /// vault passphrase, for whoever gives that passphrase.
    func pseudonymKey(officer: Officer?, vaultPassphrase: SecureBytes?) async throws -> PseudonymKey {
        if let officer {
            let file = keyring.pseudonymKeyFile(officer: officer.name)
            if FileManager.default.fileExists(atPath: file.path) {
                let stored = Array(try Data(contentsOf: file))
                do {
                    let sealed = try await openPseudonymCopyEnvelope(stored, officer: officer.name)
                    return try PseudonymKey(bytes: try SealedBox.open(sealed, with: try officer.boxKeyPair()))
                } catch let error as CryptoError {
                    throw VaultError.keyring(path: file.path, reason: "the pseudonym key sealed to \(officer.actor) does not open (\(error))")
                }
            }
        }
        if try keyring.pseudonymKeyUnderVaultPassphrase() {
            guard let vaultPassphrase else { throw VaultError.passphraseMissing(purpose: "compute patient pseudonyms (vault passphrase)") }
            if let key = try keyring.unlockVaultSecrets(passphrase: vaultPassphrase).pseudonymKey { return key }
        }
        throw VaultError.pseudonymKeyWithheld(actor: officer?.actor ?? "whoever holds only the vault passphrase")
    }

    /// What the erasure tree binds an officer's copy to (no recording: sixteen zero bytes).
    static let pseudonymCopyContext = [UInt8](repeating: 0, count: 16)
    static func pseudonymCopyRole(_ name: String) -> String { "pseudonym-key:" + name }

    /// The sealed box inside an officer's stored copy: the copy itself if written before copies were
    /// sealed under the erasure tree (or in a vault without one), else the envelope opened with its leaf.
    func openPseudonymCopyEnvelope(_ stored: [UInt8], officer name: String) async throws -> [UInt8] {
        guard let leaf = TreeWrap.leaf(of: stored), let erasure else { return stored }
        return try TreeWrap.open(stored, leafKey: try await erasure.leafKey(leaf), recordingID: Self.pseudonymCopyContext,
                                 role: Self.pseudonymCopyRole(name))
    }

    /// The erasure leaves that officers' copies of the pseudonym key are sealed under (kept by `gc`'s leaf sweep).
    func pseudonymCopyLeaves() -> Set<UInt64> {
        let directory = keyring.pseudonymKeyDirectory
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        return Set(files.compactMap { file in (try? Data(contentsOf: file)).flatMap { TreeWrap.leaf(of: Array($0)) } })
    }

    /// The pseudonym of a patient identifier (NHS number): computed with `officer`'s copy of the
    /// pseudonym key or, while it is still under the vault passphrase, with that passphrase.
    public func pseudonym(ofPatient identifier: String, officer: Officer? = nil, vaultPassphrase: SecureBytes?) async throws(VaultError) -> String {
        try await vaultBoundary {
            try await pseudonymKey(officer: officer, vaultPassphrase: vaultPassphrase).pseudonym(of: identifier)
        }
    }

    /// Seals the pseudonym key to every active, anchored officer who has no copy yet, then removes
    /// the vault-passphrase copy. The key comes from `authority`'s own copy, or from the vault
    /// passphrase while it is still under it. Returns the officers newly given a copy. Audited.
    @discardableResult
    public func sealPseudonymKeyToOfficers(vaultPassphrase: SecureBytes?, by authority: Authority) async throws(VaultError) -> [String] {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .manageUsers)
            guard let officer = authority.officer else { throw VaultError.officerRequired(privilege: "hand the pseudonym key to officers", actor: actor) }
            let key = try await pseudonymKey(officer: officer, vaultPassphrase: vaultPassphrase)
            var given: [String] = []
            for user in try await catalog.users() where user.revokedAt == nil && user.signingKey != nil {
                guard try await enrolmentRefusal(of: user) == nil else { continue }
                if try await sealPseudonymKey(key, to: user) { given.append(user.name) }
            }
            // Only once the acting officer's own copy is in place does the passphrase copy go.
            guard FileManager.default.fileExists(atPath: keyring.pseudonymKeyFile(officer: officer.name).path) else {
                throw VaultError.keyring(path: keyring.pseudonymKeyFile(officer: officer.name).path, reason: "the acting officer's copy was not written")
            }
            let removed = try keyring.pseudonymKeyUnderVaultPassphrase()
            try keyring.removePseudonymKeyFromVaultSecrets()
            try await catalog.appendAudit(AuditDraft(actor: actor, action: .pseudonymKeyCustody, target: "pseudonym-key",
                                                     detail: "sealed to \(given.isEmpty ? "no new officer" : given.joined(separator: ", "))"
                                                         + (removed ? "; the vault-passphrase copy removed" : "")))
            return given
        }
    }

    /// Writes the pseudonym key sealed to `user`'s officer key, unless they have a copy. True if written.
    /// The sealed box is itself sealed under a new leaf of the erasure tree, so that revoking the
    /// officer erases the copy from every backup of the keyring too, not only from the live folder.
    func sealPseudonymKey(_ key: PseudonymKey, to user: UserRecord) async throws -> Bool {
        guard let signingKey = user.signingKey else { return false }
        let file = keyring.pseudonymKeyFile(officer: user.name)
        if FileManager.default.fileExists(atPath: file.path) { return false }
        var sealed = try key.bytes.withUnsafeBytes { try SealedBox.seal($0, to: try SigningKeyPair.boxPublicKey(of: signingKey)) }
        if let erasure, let leaf = try await erasure.allocateLeaves(1).first {
            sealed = try TreeWrap.seal(sealed, leaf: leaf.leaf, leafKey: leaf.key, recordingID: Self.pseudonymCopyContext,
                                       role: Self.pseudonymCopyRole(user.name))
        }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try AtomicFile.write(sealed, to: file, mode: 0o600, replace: false)
        return true
    }

    /// Removes a revoked officer's copy of the pseudonym key, then erases its leaf (a crash between
    /// the two leaves the leaf unreferenced, and `fsck --repair` erases it).
    func removePseudonymKeyCopy(of name: String) async throws {
        let file = keyring.pseudonymKeyFile(officer: name)
        guard let stored = try? Data(contentsOf: file) else { return }
        try FileManager.default.removeItem(at: file)
        if let erasure, let leaf = TreeWrap.leaf(of: Array(stored)) { _ = try await erasure.erase([leaf]) }
    }
}
