import Foundation
import Synchronization
import Testing
@testable import SessionVault
import VaultCrypto
import VaultIndex
import VaultStore

/// Retrieval of format-2 recordings: a range opens only the segments that hold it, and reads
/// nothing else from the store; format-1 recordings (written by earlier versions) still read.
@Suite("Segmented retrieval")
struct SegmentedRetrievalTests {
    static let chunk = 1 << 20
    static let segment = 64 << 10

    /// Counts the bytes the vault asks the store for (a real file store underneath).
    final class CountingStore: BlobStore {
        let base: any BlobStore
        let bytesRead = Mutex(0)
        init(_ base: any BlobStore) { self.base = base }
        var location: String { base.location }
        func put(_ key: BlobKey, _ bytes: [UInt8], options: BlobPutOptions) async throws(BlobStoreError) { try await base.put(key, bytes, options: options) }
        func makeDurable(_ keys: [BlobKey]) async throws(BlobStoreError) { try await base.makeDurable(keys) }
        func get(_ key: BlobKey) async throws(BlobStoreError) -> [UInt8] {
            let bytes = try await base.get(key)
            bytesRead.withLock { $0 += bytes.count }
            return bytes
        }
        func get(_ key: BlobKey, into buffer: consuming [UInt8]) async throws(BlobStoreError) -> [UInt8] {
            let bytes = try await base.get(key, into: buffer)
            bytesRead.withLock { $0 += bytes.count }
            return bytes
        }
        func get(_ key: BlobKey, ranges: [Range<Int>], into buffer: consuming [UInt8]) async throws(BlobStoreError) -> [UInt8] {
            let bytes = try await base.get(key, ranges: ranges, into: buffer)
            bytesRead.withLock { $0 += bytes.count }
            return bytes
        }
        func size(of key: BlobKey) async throws(BlobStoreError) -> Int? { try await base.size(of: key) }
        func delete(_ key: BlobKey) async throws(BlobStoreError) { try await base.delete(key) }
        func list(prefix: String) async throws(BlobStoreError) -> [BlobListing] { try await base.list(prefix: prefix) }
        func setLegalHold(_ key: BlobKey, on: Bool) async throws(BlobStoreError) { try await base.setLegalHold(key, on: on) }
        func retainUntil(_ key: BlobKey) async throws(BlobStoreError) -> Date? { try await base.retainUntil(key) }
        func removeIncompleteWrites(olderThan cutoff: Date) async throws(BlobStoreError) -> Int { try await base.removeIncompleteWrites(olderThan: cutoff) }
    }

    func ingest(_ t: TestVault, _ input: [UInt8], format: ChunkFormat = .current) async throws -> RecordingID {
        var reader = BufferChunkReader(bytes: input)
        var request = IngestRequest(session: "S1", clinician: "dr-a", retentionClass: "care", chunkSize: Self.chunk, actor: "test")
        request.chunkFormat = format
        return try await t.vault.ingest(request, from: &reader).id
    }

    @Test func newRecordingsAreFormatTwoAndEveryRangeReadsBack() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(2 * Self.chunk + 3 * Self.segment + 77)
        let id = try await ingest(t, input)
        let record = try #require(try await t.vault.catalog.recording(id))
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(record.manifest)) as? [String: Any])
        #expect(manifest["format"] as? Int == 2 && manifest["segmentSize"] as? Int == Self.segment)
        let size = Int64(input.count)
        let s = Int64(Self.segment), c = Int64(Self.chunk)
        let cases: [Range<Int64>] = [0..<1, (size - 1)..<size, (s - 1)..<(s + 1), s..<(2 * s), (c - 10)..<(c + 10),
                                     (c - s - 3)..<(2 * c + s + 3), 5..<(size - 5), (2 * c)..<size, 0..<size]
        for range in cases {
            #expect(try await t.read(id, range: range) == Array(input[Int(range.lowerBound)..<Int(range.upperBound)]), "range \(range)")
        }
    }

    @Test func aRangeReadsOnlyTheSegmentsThatHoldIt() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(3 * Self.chunk)
        let id = try await ingest(t, input)
        let store = CountingStore(t.vault.store)
        let vault = Vault(layout: t.vault.layout, config: t.vault.config, catalog: t.vault.catalog, store: store, keyring: t.vault.keyring,
                          erasure: t.vault.erasure, clock: { Date() })
        let opened = try await vault.open(id, as: try await vault.unlockRole("clinician", passphrase: t.passphrase), actor: "test")
        // 100 bytes across a segment boundary inside chunk 1: two segments and their tags.
        var sink = MemorySink()
        let start = Self.chunk + 5 * Self.segment - 50
        try await vault.stream(opened, range: Int64(start)..<Int64(start + 100), to: &sink)
        #expect(sink.bytes == Array(input[start..<(start + 100)]))
        #expect(store.bytesRead.withLock { $0 } == 2 * Self.segment + 2 * 16)
        // A 1 MiB range across a chunk boundary: at most 1 MiB + one segment either side, plus tags.
        store.bytesRead.withLock { $0 = 0 }
        sink = MemorySink()
        let from = Self.chunk + Self.chunk / 2 + 1000
        try await vault.stream(opened, range: Int64(from)..<Int64(from + Self.chunk), to: &sink)
        #expect(sink.bytes == Array(input[from..<(from + Self.chunk)]))
        let read = store.bytesRead.withLock { $0 }
        #expect(read <= Self.chunk + 2 * Self.segment + 18 * 16, "read \(read) bytes for a 1 MiB range")
    }

    @Test func aFlippedBitIsFoundByTheRangesThatCoverItAndOnlyThose() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(2 * Self.chunk)
        let id = try await ingest(t, input)
        let file = t.chunkFile(id, 1)
        var bytes = try [UInt8](Data(contentsOf: file))
        bytes[40 + 5 * Self.segment + 9] ^= 0x04
        try Data(bytes).write(to: file)
        let inSegment5 = Int64(Self.chunk + 5 * Self.segment)
        do {
            _ = try await t.read(id, range: inSegment5..<(inSegment5 + 20))
            Issue.record("a range over a corrupted segment was served")
        } catch let error as VaultError {
            #expect(error.code == .chunkTampered && error.recording == id && error.chunk == 1, "\(error)")
            #expect(error.reason?.contains("segment 5") == true, "\(error)")
        }
        // The whole recording does not read either; a range of other segments of that chunk does.
        await expectVaultError(.chunkTampered) { _ = try await t.read(id) }
        let inSegment2 = Self.chunk + 2 * Self.segment
        #expect(try await t.read(id, range: Int64(inSegment2)..<Int64(inSegment2 + 10)) == Array(input[inSegment2..<(inSegment2 + 10)]))
    }

    @Test func aChunkCutShortIsReportedByARangeRead() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(2 * Self.chunk)
        let id = try await ingest(t, input)
        let file = t.chunkFile(id, 0)
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count - 100).write(to: file)
        // The last segment's tag is gone: a range in that segment is refused.
        let end = Int64(Self.chunk)
        do {
            _ = try await t.read(id, range: (end - 10)..<(end - 5))
            Issue.record("a range of a truncated chunk was served")
        } catch let error as VaultError {
            #expect(error.code == .chunkTampered && error.chunk == 0, "\(error)")
        }
        // Segments whose bytes and tags are intact still open (authentic bytes); the whole chunk does not.
        #expect(try await t.read(id, range: 10..<20) == Array(input[10..<20]))
        await expectVaultError(.chunkTampered) { _ = try await t.read(id, range: 0..<(end + 1)) }
    }

    @Test func formatOneRecordingsStillRead() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(2 * Self.chunk + 123)
        let id = try await ingest(t, input, format: .whole)
        let record = try #require(try await t.vault.catalog.recording(id))
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(record.manifest)) as? [String: Any])
        #expect(manifest["format"] as? Int == 1 && manifest["segmentSize"] == nil)
        #expect(try await t.read(id) == input)
        let from = Self.chunk - 7
        #expect(try await t.read(id, range: Int64(from)..<Int64(from + 1000)) == Array(input[from..<(from + 1000)]))
        let report = try await t.vault.verify(actor: "test")
        #expect(report.problems.isEmpty)
    }
}
