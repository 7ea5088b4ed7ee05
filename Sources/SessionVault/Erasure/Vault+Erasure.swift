import Foundation
import VaultCrypto
import VaultIndex

extension Vault {
    /// The vault's erasure tree: on the embedded catalog, nodes in `erasure/tree.sqlite`; on
    /// PostgreSQL, nodes in the catalog's database, shared by every node. The root is the file
    /// ``VaultConfig/erasureRootFile(in:)`` names (docs/DEPLOYMENT.md says where it must live when
    /// several nodes share a catalog). Nil only for a catalog backend with no node store.
    static func openErasureTree(config: VaultConfig, layout: VaultLayout, catalog: any Catalog,
                                clock: @escaping @Sendable () -> Date) async throws -> ErasureTree? {
        let store: any ErasureNodeStore
        if config.catalog.hasPrefix("sqlite:") {
            try FileManager.default.createDirectory(at: layout.erasureDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            do {
                store = try SQLiteErasureNodeStore(path: layout.erasureTreeFile.path)
            } catch {
                throw VaultError.catalogFailed(error)
            }
        } else if let postgres = catalog as? PostgresCatalog {
            store = postgres.erasureNodeStore()
        } else {
            return nil
        }
        return try await ErasureTree.open(store: store, rootPath: config.erasureRootFile(in: layout).path, clock: clock)
    }

    /// Wraps `dataKey` for each role, each wrap sealed under a new leaf of the erasure tree.
    func makeWraps(_ dataKey: DataKey, recording id: RecordingID, roles: [(name: String, publicKey: RolePublicKey, keyID: String)]) async throws -> [WrapRecord] {
        let inner = try roles.map { try KeyWrap.wrap(dataKey, recordingID: id.bytes, for: $0.publicKey) }
        guard let erasure else {
            return zip(roles, inner).map { WrapRecord(recording: id, role: $0.name, keyID: $0.keyID, wrapped: $1) }
        }
        let leaves = try await erasure.allocateLeaves(roles.count)
        return try zip(zip(roles, inner), leaves).map { pair, leaf in
            WrapRecord(recording: id, role: pair.0.name, keyID: pair.0.keyID,
                       wrapped: try TreeWrap.seal(pair.1, leaf: leaf.leaf, leafKey: leaf.key, recordingID: id.bytes, role: pair.0.name))
        }
    }

    /// The data key in `wrap`, opened with the role's key pair (and the erasure tree, for a sealed wrap).
    func unwrapDataKey(_ wrap: WrapRecord, with keyPair: RoleKeyPair) async throws -> DataKey {
        try KeyWrap.unwrap(try await innerWrap(wrap), recordingID: wrap.recording.bytes, with: keyPair)
    }

    /// The role's sealed box inside `wrap`: the wrap itself if bare, else the envelope opened with its leaf key.
    func innerWrap(_ wrap: WrapRecord) async throws -> [UInt8] {
        guard let leaf = TreeWrap.leaf(of: wrap.wrapped) else { return wrap.wrapped }
        guard let erasure else {
            throw VaultError.keyring(path: config.erasureRootFile(in: layout).path, reason: "this wrap is sealed under an erasure tree, which this vault's configuration does not open")
        }
        let key = try await erasure.leafKey(leaf)
        do {
            return try TreeWrap.open(wrap.wrapped, leafKey: key, recordingID: wrap.recording.bytes, role: wrap.role)
        } catch {
            throw VaultError.crypto(error)
        }
    }

    /// Marks the leaves of wraps a catalog change is about to delete (withdrawal, shred, rotation), so
    /// that a crash between that change and ``eraseLeaves(of:)`` is finished by ``settlePendingErasures()``.
    func markForErasure(_ wraps: [WrapRecord]) async throws {
        guard let erasure else { return }
        try await erasure.markPending(wraps.compactMap { wrap in
            TreeWrap.leaf(of: wrap.wrapped).map { ($0, wrap.recording.bytes, wrap.role) }
        })
    }

    /// Erases the leaves of wraps that the catalog no longer holds (after a withdrawal, a shred or a
    /// rotation), settles every other marked leaf, then purges what the catalog's own files keep of
    /// deleted rows.
    func eraseLeaves(of removed: [WrapRecord]) async throws {
        if let erasure {
            try await erasure.erase(Set(removed.compactMap { TreeWrap.leaf(of: $0.wrapped) }), reached: { reached($0) })
        }
        try await settlePendingErasures()
        try await catalog.purgeDeleted()
    }

    /// Finishes or drops every leaf marked for erasure: erased if the catalog no longer holds its wrap
    /// (the change committed, then the process died), unmarked if it still does (the change was
    /// refused or rolled back). Returns how many leaves it erased.
    @discardableResult
    func settlePendingErasures() async throws -> Int {
        guard let erasure else { return 0 }
        var gone = Set<UInt64>(), kept: [UInt64] = []
        for item in try await erasure.pending() {
            let recording = try RecordingID(bytes: item.recording)
            if let wrap = try await catalog.wrap(of: recording, role: item.role), TreeWrap.leaf(of: wrap.wrapped) == item.leaf {
                kept.append(item.leaf)
            } else {
                gone.insert(item.leaf)
            }
        }
        try await erasure.clearPending(kept)
        return try await erasure.erase(gone, reached: { reached($0) })
    }

    /// Erases every leaf older than `grace` that no wrap in the catalog refers to: leaves of wraps a
    /// crash separated from their erasure, and of ingests that never committed. Returns how many.
    @discardableResult
    func eraseUnreferencedLeaves(grace: TimeInterval = 3600) async throws -> Int {
        guard let erasure else { return 0 }
        // Leaves first, then the wraps: a leaf made after the listing is young and not considered.
        let candidates = Set(try await erasure.leaves(createdBefore: clock().addingTimeInterval(-grace)))
        guard !candidates.isEmpty else { return 0 }
        // Officers' copies of the pseudonym key are sealed under leaves too (Vault+PseudonymKey.swift).
        var referenced = pseudonymCopyLeaves()
        var cursor: (recording: RecordingID, role: String)? = nil
        while true {
            let page = try await catalog.wraps(after: cursor, limit: 1000)
            guard let last = page.last else { break }
            cursor = (last.recording, last.role)
            for wrap in page { if let leaf = TreeWrap.leaf(of: wrap.wrapped) { referenced.insert(leaf) } }
        }
        return try await erasure.erase(candidates.subtracting(referenced), reached: { reached($0) })
    }

    /// What fsck learns of the wraps and the tree: wraps still bare, wraps whose leaf no longer opens.
    struct ErasureCheck: Sendable {
        var wraps = 0
        var bare: [WrapRecord] = []
        var unopenable: [WrapRecord] = []
    }

    func checkErasure() async throws -> ErasureCheck {
        var check = ErasureCheck()
        var cursor: (recording: RecordingID, role: String)? = nil
        while true {
            let page = try await catalog.wraps(after: cursor, limit: 1000)
            guard let last = page.last else { break }
            cursor = (last.recording, last.role)
            for wrap in page {
                check.wraps += 1
                if TreeWrap.leaf(of: wrap.wrapped) == nil {
                    if erasure != nil { check.bare.append(wrap) }
                } else if (try? await innerWrap(wrap)) == nil {
                    check.unopenable.append(wrap)
                }
            }
        }
        return check
    }

    /// Seals bare wraps (written before the erasure tree) under new leaves; returns how many. The
    /// bare bytes stay in older copies of the catalog: they open with the role's key for as long as
    /// that key exists (rotate the role to retire it).
    func sealBareWraps(_ bare: [WrapRecord]) async throws -> Int {
        guard let erasure, !bare.isEmpty else { return 0 }
        var sealed = 0
        for start in stride(from: 0, to: bare.count, by: 500) {
            let batch = Array(bare[start..<min(bare.count, start + 500)])
            let leaves = try await erasure.allocateLeaves(batch.count)
            let replacements = try zip(batch, leaves).map { wrap, leaf in
                WrapRecord(recording: wrap.recording, role: wrap.role, keyID: wrap.keyID,
                           wrapped: try TreeWrap.seal(wrap.wrapped, leaf: leaf.leaf, leafKey: leaf.key, recordingID: wrap.recording.bytes, role: wrap.role))
            }
            sealed += try await catalog.replaceWraps(replacements)
        }
        try await catalog.purgeDeleted()
        return sealed
    }
}
