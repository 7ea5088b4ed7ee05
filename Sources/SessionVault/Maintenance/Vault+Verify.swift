import Foundation
import VaultCrypto
public import VaultIndex
import VaultStore

/// One problem found by a keyless scrub.
public struct VerifyProblem: Sendable, Codable, Hashable {
    public var recording: String
    public var chunk: Int?
    public var problem: String
}

/// What `verify` checked and found.
public struct VerifyReport: Sendable, Codable {
    public var recordings = 0
    public var chunks = 0
    public var bytes: Int64 = 0
    public var problems: [VerifyProblem] = []
    /// With a role: manifests opened with its key and checked against their catalog rows.
    public var manifestsChecked = 0
    /// With a role: recordings it holds no wrap for (not checked; the records officer holds one for every recording).
    public var manifestsNotOpenable = 0
    /// Checked manifests written before the patient pseudonym was bound into them.
    public var manifestsWithoutPatient = 0
}

extension Vault {
    /// Scrubs blobs for corruption without any key: every chunk of every live recording (or of
    /// `ids`) is read and its SHA-256 compared with the catalog's digest.
    ///
    /// With `role` (unlocked; the records officer's opens every recording), each recording's
    /// manifest is also opened and checked against its catalog row, as every read checks it: a row
    /// edited outside the vault (moved onto another patient, session or class) is reported. The
    /// check opens data keys, not content, and is audited as one entry.
    public func verify(_ ids: [RecordingID]? = nil, manifestsAs role: UnlockedRole? = nil, actor: String,
                       progress: (@Sendable (Int, Int) -> Void)? = nil) async throws(VaultError) -> VerifyReport {
        try await vaultBoundary {
            var report = VerifyReport()
            let records: [RecordingRecord]
            if let ids {
                var found: [RecordingRecord] = []
                for id in ids {
                    guard let record = try await catalog.recording(id) else { throw VaultError.recordingNotFound(id.description) }
                    found.append(record)
                }
                records = found
            } else {
                records = try await catalog.recordings(RecordingFilter(states: [.live]))
            }
            let store = self.store
            for (position, record) in records.enumerated() {
                report.recordings += 1
                if let role, record.state == .live {
                    if let problem = try await checkManifest(record, as: role, report: &report) {
                        report.problems.append(VerifyProblem(recording: record.id.description, chunk: nil, problem: problem))
                    }
                }
                let chunks = try await catalog.chunks(of: record.id, in: 0..<max(record.chunkCount, 0))
                if chunks.count != record.chunkCount {
                    report.problems.append(VerifyProblem(recording: record.id.description, chunk: nil,
                                                         problem: "catalog lists \(chunks.count) chunk rows, recording says \(record.chunkCount)"))
                }
                let problems = try await withThrowingTaskGroup(of: VerifyProblem?.self) { group in
                    var problems: [VerifyProblem] = []
                    var inFlight = 0
                    for chunk in chunks {
                        if inFlight >= 4, let done = try await group.next() {
                            if let done { problems.append(done) }
                            inFlight -= 1
                        }
                        group.addTask {
                            let key = try ChunkLayout.key(of: record.id, index: chunk.index, generation: record.chunkGeneration)
                            let bytes: [UInt8]
                            do {
                                bytes = try await store.get(key)
                            } catch let error as BlobStoreError {
                                if case .notFound = error {
                                    return VerifyProblem(recording: record.id.description, chunk: chunk.index, problem: "blob missing")
                                }
                                throw error
                            }
                            if bytes.count != chunk.sealedSize {
                                return VerifyProblem(recording: record.id.description, chunk: chunk.index,
                                                     problem: "size \(bytes.count), expected \(chunk.sealedSize)")
                            }
                            if !ConstantTime.equals(ChunkDigest.sha256(bytes), chunk.digest) {
                                return VerifyProblem(recording: record.id.description, chunk: chunk.index, problem: "ciphertext digest mismatch (corrupted)")
                            }
                            return nil
                        }
                        inFlight += 1
                    }
                    for try await done in group { if let done { problems.append(done) } }
                    return problems
                }
                report.problems += problems.sorted { ($0.chunk ?? -1) < ($1.chunk ?? -1) }
                report.chunks += chunks.count
                report.bytes += chunks.reduce(0) { $0 + Int64($1.sealedSize) }
                progress?(position + 1, records.count)
            }
            if let role {
                try await catalog.appendAudit(AuditDraft(actor: actor, role: role.name, action: .verifyManifests, target: "vault",
                                                         outcome: report.problems.isEmpty ? "ok" : "problems",
                                                         detail: "\(report.manifestsChecked) manifests opened and checked against the catalog"))
            }
            return report
        }
    }

    /// Opens `record`'s manifest with `role`'s key and compares it with the row; the problem, if any.
    func checkManifest(_ record: RecordingRecord, as role: UnlockedRole, report: inout VerifyReport) async throws -> String? {
        guard let wrap = try await catalog.wrap(of: record.id, role: role.name) else {
            report.manifestsNotOpenable += 1
            return nil
        }
        guard let keyPair = role.keys[wrap.keyID] else { return "role '\(role.name)' key \(wrap.keyID) is not unlocked" }
        let dataKey: DataKey
        do {
            dataKey = try await unwrapDataKey(wrap, with: keyPair)
        } catch {
            return "the role's wrap does not open"
        }
        report.manifestsChecked += 1
        let manifest: RecordingManifest
        do {
            manifest = try authenticatedManifest(of: record, dataKey: dataKey)
        } catch let error as VaultError {
            guard error.code == .manifestTampered else { throw error }
            return error.reason ?? error.message
        }
        if manifest.patient == nil { report.manifestsWithoutPatient += 1 }
        return manifest.check(against: record).map { "catalog row edited: \($0)" }
    }
}
