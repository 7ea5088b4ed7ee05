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

    @Test func makeDurableRefusesABlobThatWasNeverWritten() async throws {
        let (store, root) = try makeStore()
        defer { try? FileManager.default.removeItem(at: root) }
        let key = try BlobKey("chunks/ef/never/00000000")
        // It must fsync each blob it is asked about: one that is not there is an error, not a silent success.
        await #expect(throws: BlobStoreError.self) { try await store.makeDurable([key]) }
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
        #expect(throws: BlobStoreError.self) { try FileSystemBlobStore(root: dir) }
    }
}
