public import Foundation
import VaultIndex
import VaultStore

#if canImport(Glibc)
import Glibc
#endif

/// What `gc` found and removed.
public struct GCReport: Sendable, Codable {
    public var abandonedIngests: [String] = []
    public var orphanBlobs = 0
    public var orphanBytes: Int64 = 0
    public var incompleteWrites = 0
    /// Orphan blobs a WORM store refused to delete yet (locked until a date); a later gc removes them.
    /// They are unreadable: the data key of an ingest that never committed was never stored.
    public var lockedOrphans = 0
    public var dryRun = false
}

extension Vault {
    /// Removes what interrupted ingests left behind: staging recordings whose process is gone
    /// (on this host; a writer on another host, once older than `grace`), blobs that no recording in the catalog references
    /// (including another chunk generation than a recording's current one, left by a format upgrade), and partial
    /// blob writes. Never touches a current blob of a live, disposing or still-running staging recording.
    public func collectGarbage(grace: TimeInterval = 3600, dryRun: Bool = false, actor: String) async throws(VaultError) -> GCReport {
        try await vaultBoundary {
            var report = GCReport(dryRun: dryRun)
            let now = clock()
            let cutoff = now.addingTimeInterval(-grace)
            // File times are the real clock's, whatever clock the vault runs on.
            let fileCutoff = Date().addingTimeInterval(-grace)
            let host = Self.hostName

            for staging in try await catalog.stagingRecords() {
                // On this host the writer's liveness decides, whatever the ingest's age: a live-streamed
                // session of hours is not lost while its writer runs. (A reused pid keeps the row: the safe
                // side.) A writer on another host cannot be checked from here, so its age decides.
                let sameHost = staging.host == host
                let writerGone = sameHost && !Self.processIsAlive(staging.processID)
                guard writerGone || (!sameHost && staging.startedAt < cutoff) else { continue }
                report.abandonedIngests.append(staging.id.description)
                if dryRun { continue }
                for blob in try await store.list(prefix: ChunkLayout.directory(of: staging.id)) {
                    if try await deleteUnlessLocked(blob.key) == false { report.lockedOrphans += 1 }
                }
                try await catalog.discardStaging(staging.id, audit: AuditDraft(actor: actor, action: .gcDiscardStaging, target: staging.id.description,
                                                                              detail: writerGone ? "writer process gone" : "older than grace period"))
            }

            for shard in ChunkLayout.shards {
                let blobs = try await store.list(prefix: shard)
                if blobs.isEmpty { continue }
                var byRecording: [RecordingID: [BlobListing]] = [:]
                var rewritten: Set<RecordingID> = []
                for blob in blobs {
                    guard let (id, _, generation) = ChunkLayout.parse(blob.key) else { continue }
                    byRecording[id, default: []].append(blob)
                    if generation > 0 { rewritten.insert(id) }
                }
                let known = try await catalog.knownRecordings(among: Array(byRecording.keys))
                for (id, listings) in byRecording {
                    var orphans = listings
                    if known.contains(id) {
                        // A recording the catalog knows owns only the blobs of its current generation:
                        // others are what a format upgrade left (the old chunks after its switch, or the
                        // new ones of an upgrade that died before it). Only a recording with rewritten
                        // blobs can have such leftovers, so only those rows are read.
                        guard rewritten.contains(id), let record = try await catalog.recording(id) else { continue }
                        let current = record.chunkGeneration
                        orphans = listings.filter { ChunkLayout.parse($0.key)?.generation != current }
                    }
                    for blob in orphans where blob.modified <= fileCutoff {
                        if !dryRun, try await deleteUnlessLocked(blob.key) == false {
                            report.lockedOrphans += 1
                            continue
                        }
                        report.orphanBlobs += 1
                        report.orphanBytes += Int64(blob.size)
                    }
                }
            }
            if !dryRun {
                report.incompleteWrites = try await store.removeIncompleteWrites(olderThan: fileCutoff)
                if !report.abandonedIngests.isEmpty || report.orphanBlobs > 0 || report.incompleteWrites > 0 {
                    try await catalog.appendAudit(AuditDraft(actor: actor, action: .gc, detail:
                        "\(report.abandonedIngests.count) abandoned ingests, \(report.orphanBlobs) orphan blobs, \(report.incompleteWrites) partial writes"))
                }
            }
            return report
        }
    }

    /// Deletes a blob; false if the store refuses because it is locked (WORM retention or legal hold).
    func deleteUnlessLocked(_ key: BlobKey) async throws -> Bool {
        do {
            try await store.delete(key)
            return true
        } catch {
            if case .locked = error { return false }
            throw error
        }
    }

    static func processIsAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
