import Foundation
import Testing
@_spi(Benchmarks) @testable import SessionVault
import VaultCrypto
import VaultIndex

@Suite("Erasure tree")
struct ErasureTreeTests {
    struct Fixture {
        let directory: URL
        let tree: ErasureTree
        var rootPath: String { directory.appendingPathComponent("root").path }

        static func make() async throws -> Fixture {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tree-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let store = try SQLiteErasureNodeStore(path: directory.appendingPathComponent("tree.sqlite").path)
            let tree = try await ErasureTree.open(store: store, rootPath: directory.appendingPathComponent("root").path, clock: { Date() })
            return Fixture(directory: directory, tree: tree)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }

        func rootBytes() throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: rootPath))) }
    }

    static func same(_ a: SecureBytes, _ b: SecureBytes) -> Bool { a.constantTimeEquals(b) }

    @Test func erasingALeafKeepsEveryOtherLeafsKeyAndLosesOnlyIt() async throws {
        let f = try await Fixture.make()
        defer { f.remove() }
        // Enough leaves to span two nodes at the level above the leaves.
        let leaves = try await f.tree.allocateLeaves(40)
        #expect(leaves.map(\.leaf) == Array(0..<40))
        try await f.tree.erase([3, 17])
        for (leaf, key) in leaves {
            if leaf == 3 || leaf == 17 {
                await expectVaultError(.crypto) { _ = try await f.tree.leafKey(leaf) }
            } else {
                #expect(Self.same(try await f.tree.leafKey(leaf), key), "leaf \(leaf) changed")
            }
        }
        // More leaves after an erasure live under the new root.
        let more = try await f.tree.allocateLeaves(2)
        #expect(Self.same(try await f.tree.leafKey(more[1].leaf), more[1].key))
    }

    @Test func theOldRootIsOverwrittenAndOnlyTheNewOneRemains() async throws {
        let f = try await Fixture.make()
        defer { f.remove() }
        _ = try await f.tree.allocateLeaves(3)
        let before = try f.rootBytes()
        try await f.tree.erase([1])
        let after = try f.rootBytes()
        #expect(after.count == ErasureRootFile.fileSize)
        // Of the old file's two slots, the key in force then appears nowhere in the new file.
        let oldKeys = [before[16..<48], before[56..<88]].filter { !$0.allSatisfy { $0 == 0 } }
        #expect(oldKeys.count == 1)
        for key in oldKeys { #expect(!after.indices.dropLast(31).contains { Array(after[$0..<($0 + 32)]) == Array(key) }) }
        #expect([after[16..<48], after[56..<88]].filter { !$0.allSatisfy { $0 == 0 } }.count == 1)
    }

    @Test func aRootLeftPendingByACrashIsDiscardedAndTheTreeStillOpens() async throws {
        let f = try await Fixture.make()
        defer { f.remove() }
        let leaves = try await f.tree.allocateLeaves(5)
        // A writer that wrote its new root (generation 2) and died before committing the nodes.
        try f.tree.root.writePending(try SecureBytes.random(count: 32), generation: 2, keep: 1)
        let reopened = try await ErasureTree.open(store: f.tree.store, rootPath: f.rootPath, clock: { Date() })
        #expect(Self.same(try await reopened.leafKey(2), leaves[2].key))
        // The stray slot was wiped: exactly one key remains.
        let bytes = try f.rootBytes()
        #expect([bytes[16..<48], bytes[56..<88]].filter { !$0.allSatisfy { $0 == 0 } }.count == 1)
    }

    @Test func aMissingRootIsRefusedNotRecreated() async throws {
        let f = try await Fixture.make()
        defer { f.remove() }
        _ = try await f.tree.allocateLeaves(1)
        try FileManager.default.removeItem(atPath: f.rootPath)
        await expectVaultError(.keyring) { _ = try await ErasureTree.open(store: f.tree.store, rootPath: f.rootPath, clock: { Date() }) }
    }

    /// A node store lost or restored empty (a catalog database restored without its erasure tables)
    /// beside a root that holds a key: opening must not write a new root over it.
    @Test func aRootWhoseNodeStoreWasLostIsRefusedNotOverwritten() async throws {
        let f = try await Fixture.make()
        defer { f.remove() }
        _ = try await f.tree.allocateLeaves(3)
        let before = try f.rootBytes()
        let empty = try SQLiteErasureNodeStore(path: f.directory.appendingPathComponent("empty.sqlite").path)
        await #expect(throws: VaultError.self) { _ = try await ErasureTree.open(store: empty, rootPath: f.rootPath, clock: { Date() }) }
        #expect(try f.rootBytes() == before)
    }

    @Test func concurrentErasuresAndAllocationsLoseNothing() async throws {
        let f = try await Fixture.make()
        defer { f.remove() }
        let leaves = try await f.tree.allocateLeaves(64)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for leaf in stride(from: 0, to: 64, by: 4) {
                group.addTask { try await f.tree.erase([UInt64(leaf)]) }
            }
            group.addTask { _ = try await f.tree.allocateLeaves(10) }
            try await group.waitForAll()
        }
        for (leaf, key) in leaves where leaf % 4 != 0 {
            #expect(Self.same(try await f.tree.leafKey(leaf), key))
        }
    }
}
