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
    /// The first entry where the chain or a signature breaks.
    public var firstBroken: AuditProblem? { problems.min { $0.sequence < $1.sequence } }
}

extension Vault {
    /// Where checkpoints are appended for operators to ship elsewhere (one JSON object per line).
    public var checkpointFile: URL { layout.root.appendingPathComponent("audit-checkpoints.jsonl") }

    /// Signs the audit chain's head with the vault's Ed25519 key, stores the checkpoint in the
    /// catalog and appends it to ``checkpointFile``. Needs the vault passphrase.
    @discardableResult
    public func checkpointAudit(vaultPassphrase: SecureBytes, reason: String) async throws -> AuditCheckpoint? {
        let secrets = try keyring.unlockVaultSecrets(passphrase: vaultPassphrase)
        return try await checkpointAudit(signing: secrets.auditSigning, reason: reason)
    }

    func checkpointAudit(signing: SigningKeyPair, reason: String) async throws -> AuditCheckpoint? {
        guard let head = try await catalog.auditHead() else { return nil }
        let time = Int64((clock().timeIntervalSince1970 * 1000).rounded())
        let message = AuditCheckpoint.message(vaultID: config.vaultID, sequence: head.sequence, headHash: head.hash, timeMillis: time)
        let checkpoint = AuditCheckpoint(sequence: head.sequence, headHash: head.hash, timeMillis: time, publicKey: signing.publicKey,
                                         signature: signing.sign(message), reason: reason)
        try await catalog.addCheckpoint(checkpoint)
        try appendCheckpointLine(checkpoint)
        return checkpoint
    }

    struct CheckpointLine: Codable {
        var vault: String
        var sequence: Int64
        var headHash: String
        var timeMillis: Int64
        var publicKey: String
        var signature: String
        var reason: String
    }

    func appendCheckpointLine(_ checkpoint: AuditCheckpoint) throws {
        let line = CheckpointLine(vault: config.vaultID, sequence: checkpoint.sequence, headHash: Hex.encode(checkpoint.headHash),
                                  timeMillis: checkpoint.timeMillis, publicKey: Hex.encode(checkpoint.publicKey),
                                  signature: Hex.encode(checkpoint.signature), reason: checkpoint.reason)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes = Array(try encoder.encode(line))
        bytes.append(UInt8(ascii: "\n"))
        try AtomicFile.append(bytes, to: checkpointFile)
    }

    /// Checkpoints from the shipped file (those an insider could not reach if it was copied elsewhere).
    func checkpointsFromFile() throws -> [AuditCheckpoint] {
        guard let text = try? String(contentsOf: checkpointFile, encoding: .utf8) else { return [] }
        var result: [AuditCheckpoint] = []
        for (number, line) in text.split(separator: "\n").enumerated() {
            guard let parsed = try? JSONDecoder().decode(CheckpointLine.self, from: Data(line.utf8)),
                  let hash = Hex.decode(parsed.headHash), let key = Hex.decode(parsed.publicKey), let signature = Hex.decode(parsed.signature) else {
                throw VaultError.config(path: checkpointFile.path, line: number + 1, message: "not a checkpoint line")
            }
            result.append(AuditCheckpoint(sequence: parsed.sequence, headHash: hash, timeMillis: parsed.timeMillis, publicKey: key,
                                          signature: signature, reason: parsed.reason))
        }
        return result
    }

    /// Walks the whole audit chain and every checkpoint (catalog and file): reports entries that
    /// were edited, deleted, inserted or reordered, checkpoints whose signature fails, and a tail
    /// truncated past a signed checkpoint. Needs no passphrase (the signing public key is public).
    public func verifyAudit() async throws -> AuditVerification {
        var result = AuditVerification()
        let publicKey = try keyring.auditPublicKey()
        let stored = try await catalog.checkpoints()
        let shipped = try checkpointsFromFile()
        var bySequence: [Int64: AuditCheckpoint] = [:]
        for checkpoint in stored { bySequence[checkpoint.sequence] = checkpoint }
        for checkpoint in shipped {
            if let existing = bySequence[checkpoint.sequence] {
                if existing.headHash != checkpoint.headHash || existing.signature != checkpoint.signature {
                    result.problems.append(AuditProblem(sequence: checkpoint.sequence, problem: "the catalog's checkpoint differs from the shipped checkpoint file"))
                }
            } else {
                result.problems.append(AuditProblem(sequence: checkpoint.sequence, problem: "a checkpoint in the shipped file is missing from the catalog"))
                bySequence[checkpoint.sequence] = checkpoint
            }
        }
        for checkpoint in bySequence.values {
            let message = AuditCheckpoint.message(vaultID: config.vaultID, sequence: checkpoint.sequence, headHash: checkpoint.headHash,
                                                  timeMillis: checkpoint.timeMillis)
            if checkpoint.publicKey != publicKey || !SigningKeyPair.verify(signature: checkpoint.signature, message: message, publicKey: publicKey) {
                result.problems.append(AuditProblem(sequence: checkpoint.sequence, problem: "checkpoint signature does not verify with the vault's audit key"))
            }
        }
        result.checkpoints = bySequence.count
        result.lastCheckpoint = bySequence.keys.max()

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
        for sequence in bySequence.keys where sequence > last {
            result.problems.append(AuditProblem(sequence: last + 1,
                                                problem: "the trail ends at entry \(last) but a signed checkpoint covers entry \(sequence) (truncated)"))
        }
        return result
    }

    /// Audit entries about a patient's recordings, a recording, an actor, or since a date.
    public func auditLog(recording: RecordingID? = nil, patientPseudonym: String? = nil, actor: String? = nil, since: Date? = nil) async throws -> [AuditEntry] {
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
