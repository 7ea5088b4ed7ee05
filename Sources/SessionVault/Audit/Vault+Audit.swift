public import Foundation
public import VaultCrypto
public import VaultIndex

/// One place where the audit trail does not hold.
public struct AuditProblem: Sendable, Codable, Hashable {
    public var sequence: Int64
    public var problem: String
}

/// The result of `audit verify`.
public struct AuditVerification: Sendable, Codable {
    public var entries: Int64 = 0
    public var checkpoints = 0
    public var lastCheckpoint: Int64?
    public var problems: [AuditProblem] = []
    /// Checkpoints read from published files (outside the vault) given to the verification.
    public var publishedCheckpoints = 0
    /// The keys checkpoints were verified with came from the vault's own files, which whoever can
    /// rewrite the vault can replace: give `--public-key` from outside for a verification that holds.
    public var keysFromVault = true
    /// When the newest checkpoint was signed (ms since 1970), if any.
    public var newestCheckpointMillis: Int64?
    /// The first entry where the chain or a signature breaks.
    public var firstBroken: AuditProblem? { problems.min { $0.sequence < $1.sequence } }
}

extension Vault {
    /// Where checkpoints are appended for operators to ship elsewhere (one JSON object per line).
    public var checkpointFile: URL { layout.root.appendingPathComponent("audit-checkpoints.jsonl") }

    /// Signs the audit chain's head with the vault's Ed25519 key, stores the checkpoint in the
    /// catalog and appends it to ``checkpointFile``. Needs the vault passphrase.
    @discardableResult
    public func checkpointAudit(vaultPassphrase: SecureBytes, reason: String) async throws(VaultError) -> AuditCheckpoint? {
        try await vaultBoundary {
            let secrets = try keyring.unlockVaultSecrets(passphrase: vaultPassphrase)
            return try await checkpointAudit(signing: secrets.auditSigning, reason: reason)
        }
    }

    /// Signs the chain's head with `signing` (a checkpoint signer's key, or the vault's), stores
    /// the checkpoint in the catalog, appends it to ``checkpointFile`` and publishes it to every
    /// sink. Every sink is tried; the first failure is thrown after all were tried.
    @discardableResult
    public func checkpointAudit(signing: SigningKeyPair, reason: String, publishTo sinks: [any CheckpointSink] = []) async throws(VaultError) -> AuditCheckpoint? {
        try await vaultBoundary {
            guard let head = try await catalog.auditHead() else { return nil }
            let time = Int64((clock().timeIntervalSince1970 * 1000).rounded())
            let message = AuditCheckpoint.message(vaultID: config.vaultID, sequence: head.sequence, headHash: head.hash, timeMillis: time)
            let checkpoint = AuditCheckpoint(sequence: head.sequence, headHash: head.hash, timeMillis: time, publicKey: signing.publicKey,
                                             signature: signing.sign(message), reason: reason)
            try await catalog.addCheckpoint(checkpoint)
            let line = try checkpointLine(checkpoint)
            var failure: (any Error)? = nil
            do { try AtomicFile.append(Array((line + "\n").utf8), to: checkpointFile) } catch { failure = error }
            for sink in sinks {
                do { try await sink.publish(line) } catch { failure = failure ?? VaultError.output(path: sink.description, reason: "\(error)") }
            }
            if let failure { throw failure }
            return checkpoint
        }
    }

    /// The sequence of the newest checkpoint in the catalog, if any.
    func lastCheckpointSequence() async throws -> Int64? { try await catalog.checkpoints().map(\.sequence).max() }

    /// The sequence of the newest audit entry, if any.
    func auditHeadSequence() async throws -> Int64? { try await catalog.auditHead()?.sequence }

    struct CheckpointLine: Codable {
        var vault: String
        var sequence: Int64
        var headHash: String
        var timeMillis: Int64
        var publicKey: String
        var signature: String
        var reason: String
    }

    func checkpointLine(_ checkpoint: AuditCheckpoint) throws -> String {
        let line = CheckpointLine(vault: config.vaultID, sequence: checkpoint.sequence, headHash: Hex.encode(checkpoint.headHash),
                                  timeMillis: checkpoint.timeMillis, publicKey: Hex.encode(checkpoint.publicKey),
                                  signature: Hex.encode(checkpoint.signature), reason: checkpoint.reason)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(line), as: UTF8.self)
    }

    /// Checkpoints from a checkpoint file: the vault's own, or one published elsewhere (those an
    /// insider could not reach). Lines of syslog output are accepted too (the JSON after the
    /// `sessionvault audit checkpoint ` marker); other syslog lines are skipped.
    func checkpoints(from file: URL, required: Bool) throws -> [AuditCheckpoint] {
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            if !required { return [] }
            throw VaultError.input(path: file.path, reason: "cannot be read as UTF-8 text")
        }
        return try checkpoints(inText: text, source: file.path)
    }

    /// Checkpoints published to `source`: a file (as above) or an S3 checkpoint sink's bucket.
    func publishedCheckpoints(_ source: String) async throws -> [AuditCheckpoint] {
        guard source.hasPrefix("s3://") else { return try checkpoints(from: URL(fileURLWithPath: source), required: true) }
        let sink = try S3CheckpointSink(url: source, environment: ProcessInfo.processInfo.environment)
        let lines: [String]
        do {
            lines = try await sink.lines(vault: config.vaultID)
        } catch {
            await sink.shutdown()
            throw error
        }
        await sink.shutdown()
        return try checkpoints(inText: lines.joined(separator: "\n"), source: source.redactingCredentials)
    }

    func checkpoints(inText text: String, source: String) throws -> [AuditCheckpoint] {
        let marker = "sessionvault audit checkpoint "
        var result: [AuditCheckpoint] = []
        for (number, rawLine) in text.split(separator: "\n").enumerated() {
            var line = Substring(rawLine)
            if let range = line.range(of: marker) { line = line[range.upperBound...] } else if !line.hasPrefix("{") { continue }
            guard let parsed = try? JSONDecoder().decode(CheckpointLine.self, from: Data(line.utf8)),
                  let hash = Hex.decode(parsed.headHash), let key = Hex.decode(parsed.publicKey), let signature = Hex.decode(parsed.signature) else {
                throw VaultError.config(path: source, line: number + 1, message: "not a checkpoint line")
            }
            guard parsed.vault == config.vaultID else {
                throw VaultError.config(path: source, line: number + 1, message: "a checkpoint of another vault (\(parsed.vault))")
            }
            result.append(AuditCheckpoint(sequence: parsed.sequence, headHash: hash, timeMillis: parsed.timeMillis, publicKey: key,
                                          signature: signature, reason: parsed.reason))
        }
        return result
    }

    /// Walks the whole audit chain and every checkpoint (catalog, the vault's checkpoint file and
    /// `published` files from outside the vault): reports entries that were edited, deleted,
    /// inserted or reordered, checkpoints whose signature fails, a tail truncated past a signed
    /// checkpoint, and, with `maxAge`, entries left unsigned for longer than that bound. Needs no
    /// passphrase.
    ///
    /// `trustedKeys`: the public keys a checkpoint may be signed with, given from outside the vault.
    /// Without them the vault's own audit key and its checkpoint signers' keys are used, which
    /// whoever can rewrite the vault can replace (``AuditVerification/keysFromVault``).
    public func verifyAudit(trustedKeys: [[UInt8]]? = nil, published: [String] = [], maxAge: TimeInterval? = nil) async throws(VaultError) -> AuditVerification {
        try await vaultBoundary {
            var result = AuditVerification()
            let trusted: Set<[UInt8]>
            if let trustedKeys {
                trusted = Set(trustedKeys)
                result.keysFromVault = false
            } else {
                trusted = Set([try keyring.auditPublicKey()] + Array(try keyring.signingPublicKeys(.auditSigner).values))
            }
            var bySequence: [Int64: AuditCheckpoint] = [:]
            var all: [AuditCheckpoint] = []
            for checkpoint in try await catalog.checkpoints() { bySequence[checkpoint.sequence] = checkpoint; all.append(checkpoint) }
            var outside: [(AuditCheckpoint, String)] = try checkpoints(from: checkpointFile, required: false).map { ($0, "the vault's checkpoint file") }
            var publishedOnes: [AuditCheckpoint] = []
            for source in published {
                let found = try await publishedCheckpoints(source)
                publishedOnes += found
                outside += found.map { ($0, "published checkpoints \(source.redactingCredentials)") }
            }
            result.publishedCheckpoints = publishedOnes.count
            for (checkpoint, source) in outside {
                all.append(checkpoint)
                if let existing = bySequence[checkpoint.sequence] {
                    // Two signers may sign the same head (different times, signatures); the head itself must agree.
                    if existing.headHash != checkpoint.headHash {
                        result.problems.append(AuditProblem(sequence: checkpoint.sequence, problem: "the catalog's checkpoint differs from the one in \(source)"))
                    }
                } else {
                    result.problems.append(AuditProblem(sequence: checkpoint.sequence, problem: "a checkpoint in \(source) is missing from the catalog"))
                    bySequence[checkpoint.sequence] = checkpoint
                }
            }
            var reported = Set<Int64>()
            for checkpoint in all {
                let message = AuditCheckpoint.message(vaultID: config.vaultID, sequence: checkpoint.sequence, headHash: checkpoint.headHash,
                                                      timeMillis: checkpoint.timeMillis)
                if !trusted.contains(checkpoint.publicKey) || !SigningKeyPair.verify(signature: checkpoint.signature, message: message, publicKey: checkpoint.publicKey) {
                    if reported.insert(checkpoint.sequence).inserted {
                        result.problems.append(AuditProblem(sequence: checkpoint.sequence,
                                                            problem: "checkpoint signature does not verify with \(trustedKeys == nil ? "the vault's audit keys" : "the given public keys")"))
                    }
                }
            }
            result.checkpoints = bySequence.count
            result.lastCheckpoint = bySequence.keys.max()
            result.newestCheckpointMillis = all.map(\.timeMillis).max()

            var expected: Int64 = 1
            var previous = AuditEntry.genesisHash
            while true {
                let batch = try await catalog.auditEntries(after: expected - 1, limit: 10_000)
                if batch.isEmpty {
                    // Entries after a gap are read from the next existing sequence.
                    let rest = try await catalog.auditEntries(after: expected, limit: 1)
                    guard let next = rest.first else { break }
                    result.problems.append(AuditProblem(sequence: expected, problem: "entry is missing (deleted), the chain jumps to \(next.sequence)"))
                    expected = next.sequence
                    previous = next.previousHash
                    continue
                }
                for entry in batch {
                    if entry.sequence != expected {
                        result.problems.append(AuditProblem(sequence: expected, problem: "entry is missing (deleted), the chain jumps to \(entry.sequence)"))
                    } else if entry.previousHash != previous {
                        result.problems.append(AuditProblem(sequence: entry.sequence, problem: "link to the previous entry is broken (entry inserted, deleted or reordered)"))
                    }
                    if !entry.isSelfConsistent {
                        result.problems.append(AuditProblem(sequence: entry.sequence, problem: "entry was edited: its hash does not match its fields"))
                    }
                    if let checkpoint = bySequence[entry.sequence], checkpoint.headHash != entry.hash {
                        result.problems.append(AuditProblem(sequence: entry.sequence, problem: "entry differs from the signed checkpoint"))
                    }
                    previous = entry.hash
                    expected = entry.sequence + 1
                    result.entries += 1
                }
            }
            let last = expected - 1
            if let newest = bySequence.keys.max(), newest > last {
                result.problems.append(AuditProblem(sequence: last + 1,
                                                    problem: "the trail ends at entry \(last) but a signed checkpoint covers entry \(newest) (truncated)"))
            }
            if let maxAge {
                let covered = bySequence.keys.max() ?? 0
                let age = clock().timeIntervalSince1970 - Double(result.newestCheckpointMillis ?? 0) / 1000
                if last > covered && age > maxAge {
                    result.problems.append(AuditProblem(sequence: covered + 1, problem: "entries \(covered + 1)-\(last) are not covered by a checkpoint and the newest "
                                                        + (result.newestCheckpointMillis == nil ? "does not exist" : "is \(Int((age / 60).rounded())) minutes old")
                                                        + " (bound \(Int(maxAge / 60)) minutes): is the signing service running?"))
                }
                // A gap in what was published: entries that stayed unsigned for longer than the bound.
                let inTime = publishedOnes.sorted { $0.timeMillis < $1.timeMillis }
                for (earlier, later) in zip(inTime, inTime.dropFirst())
                where later.sequence > earlier.sequence && Double(later.timeMillis - earlier.timeMillis) / 1000 > maxAge {
                    result.problems.append(AuditProblem(sequence: earlier.sequence + 1,
                                                        problem: "no checkpoint was published for \(Int((Double(later.timeMillis - earlier.timeMillis) / 60_000).rounded())) minutes "
                                                        + "while entries \(earlier.sequence + 1)-\(later.sequence) were written (bound \(Int(maxAge / 60)) minutes)"))
                }
            }
            return result
        }
    }

    /// Audit entries about a patient's recordings, a recording, an actor, or since a date.
    public func auditLog(recording: RecordingID? = nil, patientPseudonym: String? = nil, actor: String? = nil, since: Date? = nil) async throws(VaultError) -> [AuditEntry] {
        try await vaultBoundary {
            var targets: [String]? = nil
            if let recording { targets = [recording.description] }
            if let patientPseudonym {
                let recordings = try await catalog.recordings(RecordingFilter(patient: patientPseudonym, states: Set(RecordingState.allCases)))
                let sessions = Set(recordings.map(\.session))
                targets = (targets ?? []) + recordings.map(\.id.description) + sessions.sorted() + ["patient:" + patientPseudonym.prefix(16)]
            }
            return try await catalog.auditEntries(matching: AuditFilter(targets: targets, actor: actor, since: since))
        }
    }
}
