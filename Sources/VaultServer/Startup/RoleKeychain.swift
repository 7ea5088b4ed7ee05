import Foundation
public import SessionVault

/// The role keys a running service holds, unlocked once at start.
public struct RoleKeychain: Sendable {
    public let roles: [String: UnlockedRole]

    public init(roles: [String: UnlockedRole]) {
        self.roles = roles
    }

    /// Unlocks every role named under `[passphrase_files]` (paths relative to the vault directory),
    /// plus, with `single`, every other role an active user needs. Throws (and so refuses to
    /// start) if any of them cannot be unlocked.
    public static func unlock(vault: Vault, single: PassphraseSource?) async throws -> RoleKeychain {
        var unlocked: [String: UnlockedRole] = [:]
        for (role, file) in vault.config.passphraseFiles.sorted(by: { $0.key < $1.key }) {
            let path = file.hasPrefix("/") ? file : vault.layout.root.appendingPathComponent(file).path
            unlocked[role] = try await unlockOne(vault: vault, role: role, source: .file(path))
        }
        let needed = Set(try await vault.users().filter(\.isActive).map(\.role)).subtracting(unlocked.keys).sorted()
        if !needed.isEmpty {
            guard let single else { throw ServerError.noPassphrase(roles: needed) }
            for role in needed {
                unlocked[role] = try await unlockOne(vault: vault, role: role, source: single)
            }
        }
        return RoleKeychain(roles: unlocked)
    }

    static func unlockOne(vault: Vault, role: String, source: PassphraseSource) async throws -> UnlockedRole {
        do {
            let passphrase = try source.read(purpose: "unlock role '\(role)'")
            return try await vault.unlockRole(role, passphrase: passphrase)
        } catch let error as VaultError {
            if error.code == .passphraseMissing { throw ServerError.noPassphrase(roles: [role]) }
            throw ServerError.roleUnlock(role: role, reason: error.description)
        } catch {
            throw ServerError.roleUnlock(role: role, reason: "\(error)")
        }
    }
}
