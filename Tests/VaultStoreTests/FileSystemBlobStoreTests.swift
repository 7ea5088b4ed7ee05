import Foundation
import Testing
@testable import VaultStore

@Suite("FileSystemBlobStore")
struct FileSystemBlobStoreTests {
    func makeStore() throws -> (FileSystemBlobStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fsstore-\(UUID().uuidString)")
        return (try FileSystemBlobStore(root: dir, create: true), dir)
    }

    @Test func getIntoAReusedBufferReadsIntoItsStorage() async throws {
        let (store, root) = try makeStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let key = try BlobKey("chunks/ef/reuse/00000000")
        let bytes = (0..<(256 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try await store.put(key, bytes, options: .none)
        try await store.makeDurable([key])
        var buffer = [UInt8](repeating: 0, count: 300 << 10)
        let before = buffer.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        buffer = try await store.get(key, into: consume buffer)
        #expect(buffer == bytes)
        // The same allocation, filled in place: no fresh pages per chunk.
        #expect(buffer.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == before)
    }

    @Test func rangedGetReadsOnlyTheRangesIntoTheGivenStorage() async throws {
        let (store, root) = try makeStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let key = try BlobKey("chunks/ef/ranged/00000000")
        let bytes = (0..<(256 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 11) }
        try await store.put(key, bytes, options: .none)
        try await store.makeDurable([key])
        var buffer = [UInt8](repeating: 0, count: 300 << 10)
        let before = buffer.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        buffer = try await store.get(key, ranges: [1000..<70_000, 200_000..<200_016], into: consume buffer)
        #expect(buffer == Array(bytes[1000..<70_000]) + Array(bytes[200_000..<200_016]))
        #expect(buffer.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == before)
    }

    /// A store that implements only whole reads, as a new backend might: the protocol's default
    /// ranged read must still honour the contract.
    struct WholeReadsOnly: BlobStore {
        let base: FileSystemBlobStore
        var location: String { base.location }
        func put(_ key: BlobKey, _ bytes: [UInt8], options: BlobPutOptions) async throws(BlobStoreError) { try await base.put(key, bytes, options: options) }
        func makeDurable(_ keys: [BlobKey]) async throws(BlobStoreError) { try await base.makeDurable(keys) }
        func get(_ key: BlobKey) async throws(BlobStoreError) -> [UInt8] { try await base.get(key) }
        func size(of key: BlobKey) async throws(BlobStoreError) -> Int? { try await base.size(of: key) }
        func delete(_ key: BlobKey) async throws(BlobStoreError) { try await base.delete(key) }
        func list(prefix: String) async throws(BlobStoreError) -> [BlobListing] { try await base.list(prefix: prefix) }
        func setLegalHold(_ key: BlobKey, on: Bool) async throws(BlobStoreError) { try await base.setLegalHold(key, on: on) }
        func retainUntil(_ key: BlobKey) async throws(BlobStoreError) -> Date? { try await base.retainUntil(key) }
        func removeIncompleteWrites(olderThan cutoff: Date) async throws(BlobStoreError) -> Int { try await base.removeIncompleteWrites(olderThan: cutoff) }
    }

    @Test func theDefaultRangedGetServesRangesFromAWholeRead() async throws {
        let (base, root) = try makeStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let store = WholeReadsOnly(base: base)
        let key = try BlobKey("chunks/ef/default/00000000")
        let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 3) }
        try await store.put(key, bytes, options: .none)
        #expect(try await store.get(key, ranges: [4990..<5000, 0..<3], into: [9, 9]) == Array(bytes[4990...]) + [0, 3, 6])
        await #expect(throws: BlobStoreError.shortBlob(key, range: 4999..<5001, size: 5000)) {
            try await store.get(key, ranges: [4999..<5001], into: [])
        }
    }

    @Test func makeDurableRefusesABlobThatWasNeverWritten() async throws {
        let (store, root) = try makeStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let key = try BlobKey("chunks/ef/never/00000000")
        // It must fsync each blob it is asked about: one that is not there is an error, not a silent success.
        await #expect { try await store.makeDurable([key]) } throws: { if case .io(operation: "open", path: _, errno: ENOENT)? = $0 as? BlobStoreError { true } else { false } }
    }

    @Test func stalePartialWritesAreRemovedButFreshOnesKept() async throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stale = dir.appendingPathComponent("tmp/dead.part")
        let fresh = dir.appendingPathComponent("tmp/alive.part")
        try Data([1]).write(to: stale)
        try Data([2]).write(to: fresh)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: stale.path)
        let removed = try await store.removeIncompleteWrites(olderThan: Date(timeIntervalSinceNow: -3600))
        #expect(removed == 1)
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        #expect(FileManager.default.fileExists(atPath: fresh.path))
    }

    @Test func blobsAreWrittenWithOwnerOnlyPermissionsAndNoTemporaryLeft() async throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = try BlobKey("chunks/0a/r/00000000")
        try await store.put(key, [1, 2, 3], options: .none)
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path(of: key))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("tmp").path).isEmpty)
    }

    @Test func deletingTheLastBlobRemovesItsEmptyDirectories() async throws {
        let (store, dir) = try makeStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = try BlobKey("chunks/0b/r/00000000")
        try await store.put(key, [1], options: .none)
        try await store.delete(key)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("chunks/0b").path))
        #expect(FileManager.default.fileExists(atPath: dir.path))
    }

    @Test func aMissingRootIsRefusedUnlessCreating() {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID().uuidString)")
        #expect { try FileSystemBlobStore(root: dir) } throws: { if case .unusableRoot? = $0 as? BlobStoreError { true } else { false } }
    }
}
