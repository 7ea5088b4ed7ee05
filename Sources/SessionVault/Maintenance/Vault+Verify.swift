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
}

extension Vault {
    /// Scrubs blobs for corruption without any key: every chunk of every live recording (or of
    /// `ids`) is read and its SHA-256 compared with the catalog's digest.
    public func verify(_ ids: [RecordingID]? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> VerifyReport {
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
                        let key = try ChunkLayout.key(of: record.id, index: chunk.index)
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
        return report
    }
}
