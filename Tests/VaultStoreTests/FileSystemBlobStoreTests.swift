import Foundation
import Testing
@testable import VaultStore

@Suite("FileSystemBlobStore")
struct FileSystemBlobStoreTests {
    func makeStore() throws -> (FileSystemBlobStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fsstore-\(UUID().uuidString)")
        return (try FileSystemBlobStore(root: dir, create: true), dir)
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
