import Foundation
import Testing
import VaultStore

/// The contract of ``BlobStore``, checked on every backend.
@Suite("BlobStore conformance")
struct BlobStoreConformanceTests {
    @Test(arguments: BlobStoreBackend.allCases)
    func putThenGetReturnsTheSameBytes(_ backend: BlobStoreBackend) async throws {
        let (store, cleanup) = try backend.makeStore()
        defer { cleanup() }
        for size in [0, 1, 4096, 1 << 20] {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let key = try BlobKey("chunks/ab/rec\(size)/00000000")
            try await store.put(key, bytes, options: .none)
            try await store.makeDurable([key])
            #expect(try await store.get(key) == bytes)
            #expect(try await store.size(of: key) == size)
        }
    }

    @Test(arguments: BlobStoreBackend.allCases)
    func getOfMissingBlobIsNotFound(_ backend: BlobStoreBackend) async throws {
        let (store, cleanup) = try backend.makeStore()
        defer { cleanup() }
        let key = try BlobKey("chunks/00/missing/00000000")
        await #expect(throws: BlobStoreError.notFound(key)) { try await store.get(key) }
        #expect(try await store.size(of: key) == nil)
    }

    @Test(arguments: BlobStoreBackend.allCases)
    func putNeverOverwritesAnExistingBlob(_ backend: BlobStoreBackend) async throws {
        let (store, cleanup) = try backend.makeStore()
        defer { cleanup() }
        let key = try BlobKey("chunks/01/x/00000000")
        try await store.put(key, [1, 2, 3], options: .none)
        await #expect(throws: BlobStoreError.self) { try await store.put(key, [9, 9], options: .none) }
        #expect(try await store.get(key) == [1, 2, 3])
    }

    @Test(arguments: BlobStoreBackend.allCases)
    func deleteIsIdempotent(_ backend: BlobStoreBackend) async throws {
        let (store, cleanup) = try backend.makeStore()
        defer { cleanup() }
        let key = try BlobKey("chunks/02/y/00000001")
        try await store.put(key, [7], options: .none)
        try await store.delete(key)
        try await store.delete(key)
        #expect(try await store.size(of: key) == nil)
    }

    @Test(arguments: BlobStoreBackend.allCases)
    func listReturnsOnlyThePrefixSorted(_ backend: BlobStoreBackend) async throws {
        let (store, cleanup) = try backend.makeStore()
        defer { cleanup() }
        let keys = ["chunks/aa/r1/00000002", "chunks/aa/r1/00000000", "chunks/aa/r2/00000000", "chunks/bb/r3/00000000"]
        for key in keys { try await store.put(try BlobKey(key), [1], options: .none) }
        let listed = try await store.list(prefix: "chunks/aa/").map(\.key.path)
        #expect(listed == ["chunks/aa/r1/00000000", "chunks/aa/r1/00000002", "chunks/aa/r2/00000000"])
        let one = try await store.list(prefix: "chunks/aa/r1/").map(\.key.path)
        #expect(one == ["chunks/aa/r1/00000000", "chunks/aa/r1/00000002"])
        #expect(try await store.list(prefix: "chunks/cc/").isEmpty)
    }

    @Test func keysThatCouldEscapeTheStoreAreRefused() {
        for bad in ["", "/etc/passwd", "../x", "a/../b", "a//b", "a/./b", "a b", "a\u{0}b", "tmp/ü"] {
            #expect(throws: BlobStoreError.invalidKey(bad)) { try BlobKey(bad) }
        }
    }
}
