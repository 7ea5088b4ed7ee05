import Foundation
public import VaultCrypto
public import VaultIndex

/// A role whose key(s) have been unlocked with its passphrase, ready to unwrap data keys.
public struct UnlockedRole: Sendable {
    public let name: String
    /// Key pairs by key id: the current one, plus older ones while a rotation is under way.
    public let keys: [String: RoleKeyPair]

    public init(name: String, keys: [String: RoleKeyPair]) {
        self.name = name
        self.keys = keys
    }
}

/// What a rotation did.
public struct RotationSummary: Sendable, Codable {
    public var role: String
    public var newKeyID: String
    public var retiredKeyIDs: [String]
    public var rewrapped: Int
}

extension Vault {
    static func validateName(_ name: String, what: String) throws {
        let allowed = name.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-")
        }
        guard !name.isEmpty, name.count <= 64, allowed, name.first != "-" else {
            throw VaultError.invalidName(what: what, value: name, rule: "use 1-64 lowercase letters, digits and '-', not starting with '-'")
        }
    }

    /// Creates a role with a fresh X25519 key pair; the secret key is sealed under `passphrase`.
    @discardableResult
    public func addRole(_ name: String, passphrase: SecureBytes, by authority: Authority) async throws(VaultError) -> RolePublicKey {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .manageRoles)
            try Self.validateName(name, what: "role name")
            if try await catalog.role(named: name) != nil { throw VaultError.roleExists(name) }
            try PassphraseStrength.check(passphrase, for: "role '\(name)'")
            let keyPair = try RoleKeyPair.generate()
            // Key file first, then the catalog row: a crash between leaves an unused key file, never a
            // role whose secret is lost.
            try keyring.storeRoleKey(role: name, keyPair: keyPair, passphrase: passphrase, strength: config.kdf, now: clock())
            do {
                try await catalog.addRole(RoleRecord(name: name, publicKey: keyPair.publicKey.bytes, keyID: keyPair.publicKey.keyID, createdAt: clock()),
                                          audit: AuditDraft(actor: actor, role: name, action: .roleAdd, target: name, detail: "key \(keyPair.publicKey.keyID)"))
            } catch {
                // Another process added the role meanwhile: this key file is not referenced.
                try? keyring.removeRoleKey(role: name, keyID: keyPair.publicKey.keyID)
                if case .alreadyExists? = error as? CatalogError { throw VaultError.roleExists(name) }
                throw error
            }
            return keyPair.publicKey
        }
    }

    /// The role's catalog record, or an error listing the known roles.
    public func requireRole(_ name: String) async throws(VaultError) -> RoleRecord {
        try await vaultBoundary {
            if let role = try await catalog.role(named: name) { return role }
            throw VaultError.unknownRole(name, known: try await catalog.roles().map(\.name))
        }
    }

    /// Unlocks the role's keys that wraps still use (normally just the current one).
    public func unlockRole(_ name: String, passphrase: SecureBytes) async throws(VaultError) -> UnlockedRole {
        try await vaultBoundary {
            let role = try await requireRole(name)
            var keyIDs = try await catalog.keyIDsInUse(role: name)
            keyIDs.insert(role.keyID)
            var keys: [String: RoleKeyPair] = [:]
            for keyID in keyIDs.sorted() {
                keys[keyID] = try keyring.unlockRoleKey(role: name, keyID: keyID, passphrase: passphrase)
            }
            return UnlockedRole(name: name, keys: keys)
        }
    }

    /// Gives a role a new key pair and re-wraps every data key it holds under it, without
    /// re-encrypting any chunk.
    ///
    /// Crash-safe and resumable: (1) the new key file is written; (2) the catalog makes it the
    /// current key (new ingests use it); (3) wraps are re-wrapped in batches, each batch one
    /// transaction; (4) key files no wrap uses any more are deleted. Running `role rotate` again
    /// after a crash finishes an interrupted rotation instead of starting another.
    public func rotateRole(_ name: String, passphrase: SecureBytes, by authority: Authority,
                           progress: (@Sendable (Int) -> Void)? = nil) async throws(VaultError) -> RotationSummary {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .manageRoles)
            let role = try await requireRole(name)
            let inUse = try await catalog.keyIDsInUse(role: name)
            let oldKeyIDs = inUse.union([role.keyID])
            // Unlock every key still needed before changing anything: a wrong passphrase changes nothing.
            var oldKeys: [String: RoleKeyPair] = [:]
            for keyID in oldKeyIDs.sorted() {
                oldKeys[keyID] = try keyring.unlockRoleKey(role: name, keyID: keyID, passphrase: passphrase)
            }
            let target: RoleKeyPair
            let resuming = inUse.contains { $0 != role.keyID }
            if resuming, let current = oldKeys[role.keyID] {
                // A previous rotation made this key current but did not finish re-wrapping.
                target = current
            } else {
                target = try RoleKeyPair.generate()
                try keyring.storeRoleKey(role: name, keyPair: target, passphrase: passphrase, strength: config.kdf, now: clock())
                try await catalog.setRoleKey(name, publicKey: target.publicKey.bytes, keyID: target.publicKey.keyID,
                                             audit: AuditDraft(actor: actor, role: name, action: .roleRotateBegin, target: name,
                                                               detail: "new key \(target.publicKey.keyID)"))
            }
            var rewrapped = 0
            while true {
                let batch = try await catalog.wrapsToRotate(role: name, notKeyID: target.publicKey.keyID, limit: 500)
                if batch.isEmpty { break }
                var replacements: [WrapRecord] = []
                replacements.reserveCapacity(batch.count)
                for wrap in batch {
                    guard let oldKey = oldKeys[wrap.keyID] else {
                        throw VaultError.keyring(path: keyring.roleKeyFile(role: name, keyID: wrap.keyID).path,
                                                 reason: "missing: a wrap of recording \(wrap.recording) uses this key")
                    }
                    let dataKey = try await unwrapDataKey(wrap, with: oldKey)
                    replacements += try await makeWraps(dataKey, recording: wrap.recording, roles: [(name, target.publicKey, target.publicKey.keyID)])
                }
                try await markForErasure(batch)
                let replaced = try await catalog.replaceWraps(replacements)
                reached(.rotateAfterReplace)
                // The old wraps are gone from the catalog: their leaves go too, so no copy of them opens.
                // (A replacement skipped because its recording was destroyed meanwhile left an unused leaf,
                // which the collector erases.)
                try await eraseLeaves(of: batch)
                if replaced < replacements.count {
                    // Some recordings stopped being live meanwhile (destroyed): their old wraps are gone with them.
                    let left = try await catalog.wrapsToRotate(role: name, notKeyID: target.publicKey.keyID, limit: 1)
                    if left.contains(where: { w in batch.contains { $0.recording == w.recording } }) {
                        throw VaultError.invalidArgument("rotation of role '\(name)' could not replace a wrap of a recording that is not live; run `sessionvault fsck`")
                    }
                }
                rewrapped += replaced
                progress?(rewrapped)
            }
            // Every other key file of the role is retired, including one left by a rotation that
            // crashed before making its key current.
            let retired = Set(keyring.roleKeyIDs(role: name)).union(oldKeyIDs).subtracting([target.publicKey.keyID]).sorted()
            try await catalog.appendAudit(AuditDraft(actor: actor, role: name, action: .roleRotate, target: name,
                                                     detail: "key \(target.publicKey.keyID), \(rewrapped) wraps re-wrapped, retired \(retired.joined(separator: ","))"))
            for keyID in retired { try keyring.removeRoleKey(role: name, keyID: keyID) }
            return RotationSummary(role: name, newKeyID: target.publicKey.keyID, retiredKeyIDs: retired, rewrapped: rewrapped)
        }
    }
}
