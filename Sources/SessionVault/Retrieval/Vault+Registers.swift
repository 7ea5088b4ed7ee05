public import Foundation
import VaultIndex

/// The vault's registers as an operator lists them: metadata only, nothing decrypted.
extension Vault {
    /// Recordings matching `filter` (any state unless the filter names states), as the catalog orders them.
    public func recordings(matching filter: RecordingFilter) async throws(VaultError) -> [RecordingRecord] {
        try await vaultBoundary {
            try await catalog.recordings(filter)
        }
    }

    /// Every role with its current public key.
    public func roles() async throws(VaultError) -> [RoleRecord] {
        try await vaultBoundary {
            try await catalog.roles()
        }
    }

    /// Legal holds in force (and, with `includeReleased`, released ones).
    public func holds(includeReleased: Bool) async throws(VaultError) -> [HoldRecord] {
        try await vaultBoundary {
            try await catalog.holds(includeReleased: includeReleased)
        }
    }

    /// The record of destructions, oldest first: at most `limit`, from `since` on.
    public func destructionRecords(since: Date?, limit: Int) async throws(VaultError) -> [DestructionRecord] {
        try await vaultBoundary {
            try await catalog.destructionRecords(since: since, limit: limit)
        }
    }

    /// Disposition reviews: pending ones, or every one with `status` nil.
    public func dispositions(status: DispositionRecord.Status?) async throws(VaultError) -> [DispositionRecord] {
        try await vaultBoundary {
            try await catalog.dispositions(status: status)
        }
    }
}
