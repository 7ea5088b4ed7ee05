import Foundation
import VaultCrypto
import VaultIndex

/// The interlock between the retention schedule file and the due dates stored in the catalog.
///
/// Due dates are decided when something happens (ingest, an event, a withdrawal) and stored; the
/// sweeper destroys by the stored dates and reads no schedule. If the schedule file changes, the
/// stored dates may no longer be what it gives, and a lengthened period would otherwise let the
/// sweeper destroy recordings early. So the catalog keeps the SHA-256 of the schedule the stored
/// dates agree with, written when the vault is made and by `fsck --repair` (after it has corrected
/// every date that differs), and a sweep destroys nothing while the file's digest differs.
extension Vault {
    /// The catalog's `vault_meta` key for the digest.
    static let scheduleDigestKey = "schedule_digest"

    /// SHA-256 (hex) of a schedule file's bytes.
    static func scheduleDigest(of bytes: [UInt8]) -> String {
        Hex.encode(ChunkDigest.sha256(bytes))
    }

    /// SHA-256 (hex) of the schedule file as it is now (read afresh: not the parsed, remembered one).
    func currentScheduleDigest() throws -> String {
        Self.scheduleDigest(of: try readRetentionSchedule())
    }

    /// Records that every stored due date agrees with the schedule whose digest is `digest`.
    func adoptSchedule(digest: String, actor: String, reason: String) async throws {
        try await catalog.setMeta(Self.scheduleDigestKey, digest)
        try await catalog.appendAudit(AuditDraft(actor: actor, action: .scheduleAdopt, target: retentionScheduleURL.lastPathComponent,
                                                 detail: "sha256 \(digest); \(reason)"))
    }

    /// Throws ``VaultError/scheduleChanged(path:recorded:current:)`` unless the stored due dates
    /// agree with the schedule file as it is now.
    public func requireDueDatesFollowSchedule() async throws(VaultError) {
        try await vaultBoundary {
            let current = try currentScheduleDigest()
            let recorded = try await catalog.meta(Self.scheduleDigestKey)
            guard recorded == current else {
                throw VaultError.scheduleChanged(path: retentionScheduleURL.path, recorded: recorded, current: current)
            }
        }
    }
}
