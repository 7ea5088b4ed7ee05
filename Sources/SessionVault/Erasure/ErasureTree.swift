public import Foundation
public import VaultCrypto
public import VaultIndex

/// The vault's erasure tree: every key wrap is sealed under a leaf key of its own (``TreeWrap``);
/// each node's key is sealed under its parent's; the root lives in ``ErasureRootFile``.
///
/// Erasing a leaf deletes it, gives each of its ancestors (root included) a fresh key and re-seals
/// their other children under those keys. Every earlier copy of the tree (the store's WAL and free
/// pages, a backup, a copied vault) is then sealed under a root that no longer exists, so a wrap of an
/// erased leaf cannot be opened from any copy, by anyone, with any passphrase. Leaves not erased keep
/// their keys, so a catalog restored from a backup still opens with the current tree.
///
/// Shape: 16 children per node, 8 levels below the root (2^32 leaves). Erasing one leaf costs 8 new
/// keys and at most 8 × 16 re-seals, whatever the number of leaves.
@_spi(Benchmarks) public struct ErasureTree: Sendable {
    static let fanOut: UInt64 = 16
    static let depth = 8
    static let generationKey = "generation"
    static let nextLeafKey = "next_leaf"

    let store: any ErasureNodeStore
    let root: ErasureRootFile
    let clock: @Sendable () -> Date

    /// Opens the tree, creating its root on first use, and wipes a root left behind by a crash.
    public static func open(store: any ErasureNodeStore, rootPath: String, clock: @escaping @Sendable () -> Date) async throws -> ErasureTree {
        let tree = ErasureTree(store: store, root: ErasureRootFile(path: rootPath), clock: clock)
        let created = try tree.root.createIfMissing()
        let rootFile = tree.root, location = store.location
        try await store.write { tx in
            let generation = try await tx.counter(Self.generationKey)
            if generation == 0 {
                // A new tree. (A missing root for a tree that has nodes is refused below, not recreated.)
                guard try await tx.count(in: 0...Int64.max) == 0 else {
                    throw VaultError.keyring(path: rootPath, reason: "erasure root has no key for a tree that has nodes")
                }
                // A root that holds a key beside an empty node store belongs to a tree whose nodes
                // were lost (a catalog database restored without its erasure tables): a new root
                // would overwrite it, and with it any chance of restoring those nodes.
                guard try created || !rootFile.holdsAnyKey() else {
                    throw VaultError.keyring(path: rootPath, reason: "the erasure root holds a key but the node store at \(location) has no tree: "
                                             + "restore the node store (never an older copy of this root); if no wrap was ever sealed under it, remove this root file")
                }
                let key = try SecureBytes.random(count: NodeKeySeal.keySize)
                try rootFile.writePending(key, generation: 1, keep: 0)
                try await tx.setCounter(Self.generationKey, 1)
            } else {
                let inForce = try rootFile.root(generation: generation)
                if created {
                    throw VaultError.keyring(path: rootPath, reason: "there was no erasure root here, but the node store at \(location) holds a tree of generation \(generation): "
                                             + "every key wrap is unreadable without its root (restore the root file, never an older copy of it; "
                                             + "every node sharing a catalog must use the same erasure root)")
                }
                if inForce == nil {
                    throw VaultError.keyring(path: rootPath, reason: "the erasure root of generation \(generation) is missing: every key wrap is unreadable (restore this file, never an older copy of it)")
                }
                try rootFile.wipeSlots(except: generation)
            }
        }
        return tree
    }

    // MARK: Node numbering

    /// The id of node `index` at `level` (1 ... depth; the root, level 0, is not stored).
    static func nodeID(level: Int, index: UInt64) -> Int64 {
        var offset: UInt64 = 0, width: UInt64 = 1
        for _ in 0..<level { offset += width; width *= fanOut }
        return Int64(offset + index)
    }

    /// The index at each level 1 ... depth of the path to `leaf`.
    static func path(to leaf: UInt64) -> [UInt64] {
        (1...depth).map { level in leaf >> (4 * UInt64(depth - level)) }
    }

    static func context(_ id: Int64) -> [UInt8] { TreeWrap.bigEndian(UInt64(bitPattern: id)) }

    // MARK: Operations

    /// Makes `count` new leaves and returns their numbers and keys.
    public func allocateLeaves(_ count: Int) async throws -> [(leaf: UInt64, key: SecureBytes)] {
        guard count > 0 else { return [] }
        let rootFile = root, now = clock()
        return try await store.write { tx in
            let generation = try await tx.counter(Self.generationKey)
            guard let rootKey = try rootFile.root(generation: generation) else { throw Self.missingRoot(rootFile, generation) }
            let first = try await tx.counter(Self.nextLeafKey)
            guard first + UInt64(count) <= (1 << 32) else { throw VaultError.invalidArgument("the erasure tree is full (2^32 leaves)") }
            try await tx.setCounter(Self.nextLeafKey, first + UInt64(count))
            var opened: [Int64: SecureBytes] = [:]
            var result: [(leaf: UInt64, key: SecureBytes)] = []
            for leaf in first..<(first + UInt64(count)) {
                var parent = rootKey
                for (offset, index) in Self.path(to: leaf).enumerated() {
                    let id = Self.nodeID(level: offset + 1, index: index)
                    if let key = opened[id] { parent = key; continue }
                    let key: SecureBytes
                    if offset + 1 < Self.depth, let sealed = try await tx.node(id) {
                        key = try NodeKeySeal.open(sealed, under: parent, context: Self.context(id), what: "erasure node \(id)")
                    } else {
                        key = try SecureBytes.random(count: NodeKeySeal.keySize)
                        try await tx.put(id, sealed: try NodeKeySeal.seal(key, under: parent, context: Self.context(id)), at: now)
                    }
                    opened[id] = key
                    parent = key
                }
                result.append((leaf, parent))
            }
            return result
        }
    }

    /// The key of `leaf`.
    /// - Throws: ``VaultError/crypto(_:)`` with ``CryptoError/erasedOrCorrupt(what:)`` if the leaf was erased.
    public func leafKey(_ leaf: UInt64) async throws -> SecureBytes {
        let rootFile = root
        // A writer may replace the root between this snapshot and the root file read: try again.
        for _ in 0..<5 {
            let key: SecureBytes? = try await store.read { tx -> SecureBytes? in
                let generation = try await tx.counter(Self.generationKey)
                guard var key = try rootFile.root(generation: generation) else { return nil }
                for (offset, index) in Self.path(to: leaf).enumerated() {
                    let id = Self.nodeID(level: offset + 1, index: index)
                    guard let sealed = try await tx.node(id) else { throw VaultError.crypto(.erasedOrCorrupt(what: "erasure leaf \(leaf)")) }
                    do throws(CryptoError) {
                        key = try NodeKeySeal.open(sealed, under: key, context: Self.context(id), what: "erasure leaf \(leaf)")
                    } catch {
                        throw VaultError.crypto(error)
                    }
                }
                return key
            }
            if let key { return key }
        }
        throw VaultError.keyring(path: root.path, reason: "the erasure root in force could not be read (a writer kept replacing it)")
    }

    /// Erases `leaves` (those that exist): after this returns, no copy of the tree opens them. Returns how many existed.
    @discardableResult
    public func erase(_ leaves: Set<UInt64>) async throws -> Int {
        try await erase(leaves, reached: { _ in })
    }

    /// ``erase(_:)``, telling `reached` of the crash points between its steps (tests stop the process there).
    func erase(_ leaves: Set<UInt64>, reached: @escaping @Sendable (CrashPoint) -> Void) async throws -> Int {
        guard !leaves.isEmpty else { return 0 }
        let rootFile = root, now = clock()
        let (erased, oldGeneration) = try await store.write { tx -> (Int, UInt64) in
            let generation = try await tx.counter(Self.generationKey)
            guard let oldRoot = try rootFile.root(generation: generation) else { throw Self.missingRoot(rootFile, generation) }
            try rootFile.wipeSlots(except: generation)
            // Every internal node above an erased leaf (levels 1 ... depth-1), by level.
            var affected: [Set<UInt64>] = Array(repeating: [], count: Self.depth)
            var erased = 0
            for leaf in leaves where leaf < (1 << 32) {
                try await tx.removePending(leaf: leaf)
                if try await tx.delete(Self.nodeID(level: Self.depth, index: leaf)) { erased += 1 }
                for (offset, index) in Self.path(to: leaf).dropLast().enumerated() { affected[offset + 1].insert(index) }
            }
            guard erased > 0 else { return (0, generation) }
            // Old keys of the affected nodes, top down.
            var oldKeys: [Int64: SecureBytes] = [:]
            func oldKey(level: Int, index: UInt64) -> SecureBytes? {
                level == 0 ? oldRoot : oldKeys[Self.nodeID(level: level, index: index)]
            }
            for level in 1..<Self.depth {
                for index in affected[level] {
                    let id = Self.nodeID(level: level, index: index)
                    guard let sealed = try await tx.node(id), let parent = oldKey(level: level - 1, index: index / Self.fanOut) else { continue }
                    oldKeys[id] = try NodeKeySeal.open(sealed, under: parent, context: Self.context(id), what: "erasure node \(id)")
                }
            }
            // Fresh keys for the root and every affected node; each one's children re-sealed under it.
            let newRoot = try SecureBytes.random(count: NodeKeySeal.keySize)
            var newKeys: [Int64: SecureBytes] = [:]
            for level in 1..<Self.depth {
                for index in affected[level] where oldKeys[Self.nodeID(level: level, index: index)] != nil {
                    newKeys[Self.nodeID(level: level, index: index)] = try SecureBytes.random(count: NodeKeySeal.keySize)
                }
            }
            affected[0] = [0]
            for level in 0..<Self.depth {
                for index in affected[level] {
                    let parentID = level == 0 ? -1 : Self.nodeID(level: level, index: index)
                    guard let newParent = level == 0 ? newRoot : newKeys[parentID], let oldParent = oldKey(level: level, index: index) else { continue }
                    let first = Self.nodeID(level: level + 1, index: index * Self.fanOut)
                    for (id, sealed) in try await tx.nodes(in: first...(first + Int64(Self.fanOut) - 1)) {
                        let childKey = try newKeys[id] ?? NodeKeySeal.open(sealed, under: oldParent, context: Self.context(id), what: "erasure node \(id)")
                        try await tx.put(id, sealed: try NodeKeySeal.seal(childKey, under: newParent, context: Self.context(id)), at: now)
                    }
                }
            }
            try rootFile.writePending(newRoot, generation: generation + 1, keep: generation)
            reached(.eraseAfterNewRoot)
            try await tx.setCounter(Self.generationKey, generation + 1)
            return (erased, generation)
        }
        if erased > 0 {
            reached(.eraseAfterCommit)
            // The new generation is committed: the old root goes now (or, after a crash here, at the
            // next write). Only that generation's slot: another writer may already be using the other.
            try rootFile.wipe(generation: oldGeneration)
            try await store.checkpoint()
        }
        return erased
    }

    /// Marks leaves for erasure, with the wrap each belongs to, before the change that deletes those wraps.
    func markPending(_ items: [(leaf: UInt64, recording: [UInt8], role: String)]) async throws {
        guard !items.isEmpty else { return }
        try await store.write { tx in
            for item in items { try await tx.addPending(leaf: item.leaf, recording: item.recording, role: item.role) }
        }
    }

    /// The leaves marked for erasure and not yet settled.
    func pending() async throws -> [(leaf: UInt64, recording: [UInt8], role: String)] {
        try await store.read { tx in try await tx.pending().map { ($0.leaf, $0.recording, $0.role) } }
    }

    /// Unmarks leaves whose wraps the change kept (it was refused or did not touch them).
    func clearPending(_ leaves: [UInt64]) async throws {
        guard !leaves.isEmpty else { return }
        try await store.write { tx in for leaf in leaves { try await tx.removePending(leaf: leaf) } }
    }

    /// Leaves older than `before` (numbers), for the collector of leaves no wrap refers to.
    func leaves(createdBefore before: Date) async throws -> [UInt64] {
        let first = Self.nodeID(level: Self.depth, index: 0)
        let ids = try await store.read { tx in try await tx.ids(in: first...(first + Int64(1 << 32) - 1), createdBefore: before) }
        return ids.map { UInt64($0 - first) }
    }

    private static func missingRoot(_ file: ErasureRootFile, _ generation: UInt64) -> VaultError {
        .keyring(path: file.path, reason: "the erasure root of generation \(generation) is missing: every key wrap is unreadable (restore this file, never an older copy of it)")
    }
}
