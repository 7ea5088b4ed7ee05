import Foundation
import VaultCrypto
import VaultIndex
import VaultStore

/// What `fsck --upgrade` rewrote (or, in a dry run, would rewrite) and what it left alone.
public struct FormatUpgradeReport: Sendable, Codable {
    public var dryRun: Bool
    /// Live recordings looked at.
    public var recordings = 0
    /// Recordings already in the current format.
    public var current = 0
    /// Recordings rewritten (in a dry run: that would be).
    public var upgraded: [String] = []
    /// Old blobs a WORM store refused to delete yet (locked until a date): `gc` removes them later.
    public var lockedOldBlobs = 0
    /// Recordings skipped or failed, and why; and, for each one rewritten, what was done.
    public var findings: [FSCKFinding] = []

    /// Problems that need a person (as in ``FSCKReport/errors``).
    public var errors: [FSCKFinding] { findings.filter { $0.severity == .error } }
}

extension Vault {
    /// Rewrites every live format-1 recording in the current chunk format (FORMAT.md §2), so that
    /// range reads open only the segments they need. A records officer's act (`authority` proves
    /// ``OfficerPrivilege/upgradeFormat``); each recording rewritten gets its own audit entry.
    ///
    /// Per recording, crash-safe at every step: the rewritten chunks are stored as new blobs beside
    /// the old ones (generation + 1, ``ChunkLayout``), sealed under that generation's chunk key (same
    /// data key and wraps: ``DataKey/chunkKey(generation:)``), made durable and read back; then one
    /// catalog transaction switches chunk rows, manifest and tag; then the old blobs are deleted.
    /// Before the switch the recording is as it was (the new blobs are orphans `gc` removes); after
    /// it, the old ones are. A held recording is skipped (its blobs may be locked, and the new ones
    /// would not be). With `dryRun` nothing is unlocked or written and `role` may be nil.
    public func upgradeFormat(as role: UnlockedRole?, by authority: Authority, dryRun: Bool = false,
                              progress: (@Sendable (String) -> Void)? = nil) async throws(VaultError) -> FormatUpgradeReport {
        try await vaultBoundary {
            let actor = dryRun ? authority.actor : try await authorize(authority, for: .upgradeFormat)
            guard dryRun || role != nil else { throw VaultError.invalidArgument("a format upgrade needs an unlocked role that holds a wrap of each recording") }
            var report = FormatUpgradeReport(dryRun: dryRun)
            func add(_ severity: FSCKFinding.Severity, _ kind: String, _ id: RecordingID, _ meaning: String) {
                report.findings.append(FSCKFinding(severity: severity, kind: kind, subject: "recording \(id)", meaning: meaning))
            }
            var candidates: [RecordingRecord] = []
            var after: RecordingID? = try RecordingID(bytes: [UInt8](repeating: 0, count: 16))
            while true {
                let batch = try await catalog.recordings(RecordingFilter(limit: 1000, after: after))
                guard let last = batch.last else { break }
                after = last.id
                report.recordings += batch.count
                for record in batch {
                    // Read without the key to choose; the rewrite itself works from the authenticated manifest.
                    guard let manifest = try? RecordingManifest.decode(record.manifest), manifest.format == 1 else {
                        report.current += 1
                        continue
                    }
                    candidates.append(record)
                }
            }
            for (position, record) in candidates.enumerated() {
                let id = record.id
                progress?("recording \(position + 1) of \(candidates.count): \(id)")
                if try await catalog.isHeld(id) {
                    add(.warning, "upgrade-held", id, "under a legal hold: its blobs may be locked, so it stays in format 1 (upgrade it once the hold is released)")
                    continue
                }
                if let role, try await catalog.wrap(of: id, role: role.name) == nil {
                    add(.warning, "upgrade-no-wrap", id, "role '\(role.name)' holds no wrap of it: upgrade it as a role that does")
                    continue
                }
                if dryRun {
                    report.upgraded.append(id.description)
                    continue
                }
                guard let role else { continue }
                do {
                    let outcome = try await rewriteInCurrentFormat(record, role: role, actor: actor)
                    report.upgraded.append(id.description)
                    report.lockedOldBlobs += outcome.locked
                    add(.repaired, "format-upgrade", id, "rewritten in format 2 (\(outcome.chunks) chunks)"
                        + (outcome.locked > 0 ? "; \(outcome.locked) old blobs are locked by the store and left for gc" : ""))
                } catch {
                    // The recording is as it was: report it and go on with the others.
                    if case .invalidState(_, _, let found)? = error as? CatalogError, found == "held" {
                        add(.warning, "upgrade-held", id, "a hold was placed during its rewrite: it stays in format 1 (the new blobs were removed)")
                    } else if case .changedConcurrently? = error as? CatalogError {
                        add(.warning, "upgrade-skipped", id, "changed during its rewrite: it stays as it was; run the upgrade again")
                    } else {
                        add(.error, "upgrade-failed", id, "not rewritten (\(error)); it stays in format 1")
                    }
                }
            }
            return report
        }
    }

    /// Rewrites one format-1 recording as generation + 1 in the current format. Returns the chunk
    /// count and how many old blobs the store would not delete yet.
    func rewriteInCurrentFormat(_ record: RecordingRecord, role: UnlockedRole, actor: String) async throws -> (chunks: Int, locked: Int) {
        let id = record.id
        guard let wrap = try await catalog.wrap(of: id, role: role.name) else {
            throw VaultError.noWrap(role: role.name, recording: id, scopes: [])
        }
        guard let keyPair = role.keys[wrap.keyID] else {
            throw VaultError.keyring(path: keyring.roleKeyFile(role: role.name, keyID: wrap.keyID).path,
                                     reason: "role '\(role.name)' key \(wrap.keyID) (used by this recording's wrap) is not unlocked")
        }
        let dataKey = try await unwrapDataKey(wrap, with: keyPair)
        let manifest = try authenticatedManifest(of: record, dataKey: dataKey)
        if let mismatch = manifest.check(against: record) { throw VaultError.manifestTampered(recording: id, reason: "catalog row edited: \(mismatch)") }
        guard let algorithm = ChunkAlgorithm(rawValue: manifest.algorithm) else {
            throw VaultError.manifestTampered(recording: id, reason: "unknown algorithm \(manifest.algorithm)")
        }
        guard let oldFormat = manifest.chunkFormat else {
            throw VaultError.unsupportedFormat(recording: id, format: manifest.format, segmentSize: manifest.segmentSize)
        }
        let newFormat = ChunkFormat.current
        let oldGeneration = manifest.chunkGeneration
        let newGeneration = oldGeneration + 1
        let oldSealer = try ChunkSealer(key: try dataKey.chunkKey(generation: UInt64(oldGeneration)), algorithm: algorithm, recordingID: id.bytes, format: oldFormat)
        let newSealer = try ChunkSealer(key: try dataKey.chunkKey(generation: UInt64(newGeneration)), algorithm: algorithm, recordingID: id.bytes, format: newFormat)

        let rows = try await catalog.chunks(of: id, in: 0..<manifest.chunkCount)
        guard rows.count == manifest.chunkCount, rows.enumerated().allSatisfy({ $0.offset == $0.element.index }),
              RecordingManifest.digestRoot(rows.map(\.digest)) == manifest.digestRoot else {
            throw VaultError.manifestTampered(recording: id, reason: "chunk rows do not match the manifest's digest root")
        }
        // The new blobs keep the old ones' WORM lock (the earliest lawful destruction day).
        let lock = try await store.retainUntil(try ChunkLayout.key(of: id, index: 0, generation: oldGeneration))
        let options = BlobPutOptions(retainUntil: lock.flatMap { $0 > clock() ? $0 : nil }, legalHold: false)
        let headroom = ChunkSealer.headerSize
        let lastIndex = manifest.chunkCount - 1
        var newRows: [ChunkRecord] = []
        var newKeys: [BlobKey] = []
        var plaintextDigest = StreamingSHA256()
        do {
            for row in rows {
                let isLast = row.index == lastIndex
                let (opened, count) = try await Self.readChunk(store: store, sealer: oldSealer, recording: id, index: row.index, generation: oldGeneration,
                                                               isLast: isLast, sealedSize: row.sealedSize)
                var buffer = opened
                buffer.withUnsafeBytes { plaintextDigest.update(UnsafeRawBufferPointer(rebasing: $0[headroom..<(headroom + count)])) }
                let sealedSize = newFormat.sealedSize(plaintextCount: count)
                if buffer.count < sealedSize { buffer.append(contentsOf: repeatElement(0, count: sealedSize - buffer.count)) }
                let sealedCount = try buffer.withUnsafeMutableBytes { raw in
                    try newSealer.seal(UnsafeRawBufferPointer(rebasing: raw[headroom..<(headroom + count)]), index: UInt64(row.index), isLast: isLast, into: raw)
                }
                buffer.removeLast(buffer.count - sealedCount)
                let key = try ChunkLayout.key(of: id, index: row.index, generation: newGeneration)
                newKeys.append(key)
                try await putRewritten(key, buffer, options: options)
                newRows.append(ChunkRecord(index: row.index, sealedSize: sealedCount, digest: ChunkDigest.sha256(buffer)))
                reached(.upgradeMidChunks)
            }
            try await store.makeDurable(newKeys)
            // Read back what the store now holds, as a reader will: same digests, same plaintext.
            var readBack = StreamingSHA256()
            for row in newRows {
                let key = try ChunkLayout.key(of: id, index: row.index, generation: newGeneration)
                let stored = try await store.get(key)
                guard ChunkDigest.sha256(stored) == row.digest else {
                    throw VaultError.chunkTampered(recording: id, chunk: row.index, reason: "the rewritten chunk does not read back as written")
                }
                let (buffer, count) = try await Self.readChunk(store: store, sealer: newSealer, recording: id, index: row.index, generation: newGeneration,
                                                               isLast: row.index == lastIndex, sealedSize: row.sealedSize)
                buffer.withUnsafeBytes { readBack.update(UnsafeRawBufferPointer(rebasing: $0[headroom..<(headroom + count)])) }
            }
            guard readBack.finalize() == plaintextDigest.finalize() else {
                throw VaultError.chunkTampered(recording: id, chunk: lastIndex, reason: "the rewritten chunks do not open to the recording's plaintext")
            }
            reached(.upgradeBeforeSwitch)

            var upgraded = manifest
            upgraded.format = Int(newFormat.version)
            upgraded.segmentSize = newFormat.segmentSize
            upgraded.digestRoot = RecordingManifest.digestRoot(newRows.map(\.digest))
            upgraded.generation = newGeneration
            let manifestBytes = try upgraded.encoded()
            let tag = try ManifestAuthenticator(key: dataKey).tag(manifestBytes)
            try await catalog.replaceChunks(of: id, expectedManifestTag: record.manifestTag, manifest: manifestBytes, manifestTag: tag, chunks: newRows,
                                            audit: AuditDraft(actor: actor, role: role.name, action: .formatUpgrade, target: id.description,
                                                              detail: "chunk format \(manifest.format) to \(newFormat.version), \(newRows.count) chunks, generation \(newGeneration)"))
        } catch {
            // Best effort: the catalog still names the old chunks, so these are orphans; gc removes what is
            // left. Unless a concurrent upgrade of the same recording switched to the same keys meanwhile.
            let now = try? await catalog.recording(id)
            if now?.chunkGeneration != newGeneration {
                for key in newKeys { _ = try? await deleteUnlessLocked(key) }
            }
            throw error
        }
        reached(.upgradeAfterSwitch)
        var locked = 0
        for row in rows {
            if try await deleteUnlessLocked(try ChunkLayout.key(of: id, index: row.index, generation: oldGeneration)) == false { locked += 1 }
            reached(.upgradeMidOldBlobs)
        }
        return (rows.count, locked)
    }

    /// Stores a rewritten chunk. A blob already at its key was left by an earlier run of the same
    /// rewrite that died before its switch: sealing is deterministic, so a complete one holds these
    /// very bytes and is kept; anything else there is replaced.
    func putRewritten(_ key: BlobKey, _ bytes: [UInt8], options: BlobPutOptions) async throws {
        do {
            try await store.put(key, bytes, options: options)
        } catch {
            guard case .alreadyExists = error else { throw error }
            if try await store.get(key) == bytes { return }
            try await store.delete(key)
            try await store.put(key, bytes, options: options)
        }
    }
}
