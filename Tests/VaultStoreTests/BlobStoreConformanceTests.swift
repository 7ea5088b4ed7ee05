import Foundation
import Testing
import VaultStore

/// The contract of ``BlobStore``, checked on every backend.
@Suite("BlobStore conformance", .timeLimit(.minutes(30)))
struct BlobStoreConformanceTests {
    @Test(arguments: BlobStoreBackend.tested)
    func putThenGetReturnsTheSameBytes(_ backend: BlobStoreBackend) async throws {
        try await backend.withStore { store in
            for size in [0, 1, 4096, 1 << 20] {
                let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
                let key = try BlobKey("chunks/ab/rec\(size)/00000000")
                try await store.put(key, bytes, options: .none)
                try await store.makeDurable([key])
                #expect(try await store.get(key) == bytes)
                #expect(try await store.size(of: key) == size)
            }
        }
    }

    @Test(arguments: BlobStoreBackend.tested)
    func getIntoABufferReturnsExactlyTheBlobWhateverTheBufferHeld(_ backend: BlobStoreBackend) async throws {
        try await backend.withStore { store in
            let sizes = [0, 1, 4096, 1 << 20]
            for size in sizes {
                let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
                let key = try BlobKey("chunks/cd/into\(size)/00000000")
                try await store.put(key, bytes, options: .none)
                try await store.makeDurable([key])
                // Larger, smaller and empty buffers full of other bytes: none of it may show through.
                for held in [[UInt8](), [UInt8](repeating: 0xEE, count: 3), [UInt8](repeating: 0xEE, count: (1 << 20) + 100)] {
                    #expect(try await store.get(key, into: held) == bytes)
                }
            }
            let missing = try BlobKey("chunks/cd/missing/00000000")
            await #expect(throws: BlobStoreError.notFound(missing)) { try await store.get(missing, into: [1, 2, 3]) }
        }
    }

    @Test(arguments: BlobStoreBackend.tested)
    func rangedGetReturnsTheRangesInOrderAndRefusesRangesPastTheEnd(_ backend: BlobStoreBackend) async throws {
        try await backend.withStore { store in
            let size = (1 << 20) + 56
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
            let key = try BlobKey("chunks/ef/ranged/00000000")
            try await store.put(key, bytes, options: .none)
            try await store.makeDurable([key])
            let cases: [[Range<Int>]] = [
                [0..<1],                                  // first byte
                [(size - 1)..<size],                      // last byte
                [0..<size],                               // everything
                [40..<65_576, (size - 16 * 17)..<(size - 16 * 15)],   // ciphertext, then tags
                [500..<600, 100..<200],                   // out of order
                [10..<10, 20..<30],                       // an empty range
                [],
            ]
            for ranges in cases {
                let expected = ranges.flatMap { bytes[$0] }
                for held in [[UInt8](), [UInt8](repeating: 0xEE, count: size + 100)] {
                    #expect(try await store.get(key, ranges: ranges, into: held) == expected, "ranges \(ranges)")
                }
            }
            await #expect { try await store.get(key, ranges: [(size - 10)..<(size + 1)], into: []) } throws: { if case .shortBlob? = $0 as? BlobStoreError { true } else { false } }
            await #expect { try await store.get(key, ranges: [size..<(size + 5)], into: []) } throws: { if case .shortBlob? = $0 as? BlobStoreError { true } else { false } }
            do {
                _ = try await store.get(key, ranges: [0..<4, (size - 2)..<(size + 2)], into: [])
                Issue.record("a range past the end was served")
            } catch let error as BlobStoreError {
                guard case .shortBlob(let named, let range, _) = error else { Issue.record("wrong error \(error)"); return }
                #expect(named == key && range == (size - 2)..<(size + 2))
            }
            let missing = try BlobKey("chunks/ef/missing/00000000")
            await #expect(throws: BlobStoreError.notFound(missing)) { try await store.get(missing, ranges: [0..<1], into: []) }
        }
    }

    @Test(arguments: BlobStoreBackend.tested)
    func getOfMissingBlobIsNotFound(_ backend: BlobStoreBackend) async throws {
        try await backend.withStore { store in
            let key = try BlobKey("chunks/00/missing/00000000")
            await #expect(throws: BlobStoreError.notFound(key)) { try await store.get(key) }
            #expect(try await store.size(of: key) == nil)
        }
    }

    @Test(arguments: BlobStoreBackend.tested)
    func putNeverOverwritesAnExistingBlob(_ backend: BlobStoreBackend) async throws {
        try await backend.withStore { store in
            let key = try BlobKey("chunks/01/x/00000000")
            try await store.put(key, [1, 2, 3], options: .none)
            await #expect(throws: BlobStoreError.alreadyExists(key)) { try await store.put(key, [9, 9], options: .none) }
            #expect(try await store.get(key) == [1, 2, 3])
        }
    }

    @Test(arguments: BlobStoreBackend.tested)
    func deleteIsIdempotent(_ backend: BlobStoreBackend) async throws {
        try await backend.withStore { store in
            let key = try BlobKey("chunks/02/y/00000001")
            try await store.put(key, [7], options: .none)
            try await store.delete(key)
            try await store.delete(key)
            #expect(try await store.size(of: key) == nil)
            await #expect(throws: BlobStoreError.notFound(key)) { try await store.get(key) }
        }
    }

    @Test(arguments: BlobStoreBackend.tested)
    func listReturnsOnlyThePrefixSorted(_ backend: BlobStoreBackend) async throws {
        try await backend.withStore { store in
            let keys = ["chunks/aa/r1/00000002", "chunks/aa/r1/00000000", "chunks/aa/r2/00000000", "chunks/bb/r3/00000000"]
            for key in keys { try await store.put(try BlobKey(key), [1], options: .none) }
            let listed = try await store.list(prefix: "chunks/aa/").map(\.key.path)
            #expect(listed == ["chunks/aa/r1/00000000", "chunks/aa/r1/00000002", "chunks/aa/r2/00000000"])
            let one = try await store.list(prefix: "chunks/aa/r1/").map(\.key.path)
            #expect(one == ["chunks/aa/r1/00000000", "chunks/aa/r1/00000002"])
            #expect(try await store.list(prefix: "chunks/cc/").isEmpty)
            let all = try await store.list(prefix: "")
            #expect(all.map(\.key.path) == keys.sorted())
            #expect(all.allSatisfy { $0.size == 1 && abs($0.modified.timeIntervalSinceNow) < 600 })
        }
    }

    @Test(arguments: BlobStoreBackend.tested)
    func keysWithEveryAllowedCharacterRoundTrip(_ backend: BlobStoreBackend) async throws {
        try await backend.withStore { store in
            let longSegment = String(repeating: "z", count: 200)
            let paths = [
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ/abcdefghijklmnopqrstuvwxyz/0123456789/._-",
                "..a/a../.-_/-._/_.-/x",
                "chunks/\(longSegment)/\(longSegment)/0",
            ]
            for (index, path) in paths.enumerated() {
                let key = try BlobKey(path)
                try await store.put(key, [UInt8(index), 42], options: .none)
                #expect(try await store.get(key) == [UInt8(index), 42])
                #expect(try await store.size(of: key) == 2)
            }
            #expect(try await store.list(prefix: "").map(\.key.path) == paths.sorted())
            #expect(try await store.list(prefix: "..a/").map(\.key.path) == ["..a/a../.-_/-._/_.-/x"])
            for path in paths { try await store.delete(try BlobKey(path)) }
            #expect(try await store.list(prefix: "").isEmpty)
        }
    }

    @Test(arguments: BlobStoreBackend.tested)
    func holdsAndRetentionOfPlainStoresAreNoneAndMissingBlobsAreNotFound(_ backend: BlobStoreBackend) async throws {
        try await backend.withStore { store in
            let key = try BlobKey("chunks/03/z/00000000")
            await #expect(throws: BlobStoreError.notFound(key)) { try await store.setLegalHold(key, on: true) }
            await #expect(throws: BlobStoreError.notFound(key)) { try await store.retainUntil(key) }
            try await store.put(key, [5], options: .none)
            try await store.setLegalHold(key, on: true)
            #expect(try await store.retainUntil(key) == nil)
            // Neither of these stores enforces WORM, so the blob can still be deleted.
            try await store.delete(key)
            #expect(try await store.size(of: key) == nil)
        }
    }

    @Test func keysThatCouldEscapeTheStoreAreRefused() {
        for bad in ["", "/etc/passwd", "../x", "a/../b", "a//b", "a/./b", "a b", "a\u{0}b", "tmp/ü"] {
            #expect(throws: BlobStoreError.invalidKey(bad)) { try BlobKey(bad) }
        }
    }
}
