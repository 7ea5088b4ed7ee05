import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@_spi(Benchmarks) @testable import SessionVault
import VaultCrypto
@testable import VaultIndex

/// Erasure on a PostgreSQL catalog, tried as an attacker with the server's data directory (heap
/// files, dead tuples, `pg_wal`), the vault directory, a `pg_dump` taken before, and every
/// passphrase would (issue "Erasure that holds", item 5). The catalog is a fresh database on the
/// server `scripts/with-test-servers.sh` starts, whose data directory it names in
/// `SESSIONVAULT_TEST_POSTGRES_DATA`.
@Suite("Erasure holds on PostgreSQL against the data directory and pg_dump", .serialized, .enabled(if: SharedBackends.shouldRun),
       .timeLimit(.minutes(30)))
struct PostgresErasureAttackTests {
    /// A vault whose catalog is a fresh PostgreSQL database (blobs in the vault directory).
    struct PGVault {
        let t: TestVault
        let servers: SharedBackends
        let database: String
        var url: String { servers.postgresURL(database: database) }

        static func make(roles: [String], scopes: [String], clock: @escaping @Sendable () -> Date = { Date() }) async throws -> PGVault {
            let v = try await BackendVault.make(.postgres, roles: roles, scopes: scopes, clock: clock)
            return PGVault(t: v.t, servers: try SharedBackends.require(), database: try #require(v.database))
        }

        func remove() async {
            await t.vault.close()
            t.remove()
            for name in [database, database + "_restored"] { try? await servers.dropDatabase(name) }
        }

        /// `pg_dump` of the catalog (plain SQL), restored at once into `<database>_restored`: the backup.
        func backup() async throws -> (dump: [UInt8], restoredURL: String) {
            let dumped = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/pg_dump"), ["--no-owner", url])
            guard dumped.succeeded else { throw CLIFailure(message: "pg_dump: \(dumped.stderr)") }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("dump-\(UUID().uuidString).sql")
            defer { try? FileManager.default.removeItem(at: file) }
            try dumped.stdout.write(to: file)
            try await servers.createDatabase(database + "_restored")
            let restoredURL = servers.postgresURL(database: database + "_restored")
            let restored = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/psql"), [restoredURL, "-v", "ON_ERROR_STOP=1", "-q", "-f", file.path])
            guard restored.succeeded else { throw CLIFailure(message: "psql -f dump: \(restored.stderr)") }
            return ([UInt8](dumped.stdout), restoredURL)
        }
    }

    /// The server's data directory (heap files, `pg_wal`, everything).
    static func dataDirectory() throws -> URL {
        guard let path = ProcessInfo.processInfo.environment["SESSIONVAULT_TEST_POSTGRES_DATA"], !path.isEmpty else {
            throw CLIFailure(message: "SESSIONVAULT_TEST_POSTGRES_DATA is unset: run under scripts/with-test-servers.sh")
        }
        return URL(fileURLWithPath: path)
    }

    /// Every regular file under `directory` that contains `needle` (paths relative to it).
    static func filesContaining(_ needle: [UInt8], under directory: URL) throws -> [String] {
        var found: [String] = []
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true,
                  let data = try? Data(contentsOf: url) else { continue }  // not mapped: the server may truncate a file meanwhile
            if data.range(of: Data(needle)) != nil { found.append(String(url.path.dropFirst(directory.path.count))) }
        }
        return found
    }

    static func hex(_ bytes: [UInt8]) -> [UInt8] { Array(bytes.map { String(format: "%02x", $0) }.joined().utf8) }

    /// Tries to get the data key out of `wrap` with `keyPair`, using the node store in the database
    /// at `catalogURL` and a copy of the root file at `rootFile` (opening a tree may tidy its root).
    static func dataKey(from wrap: WrapRecord, keyPair: RoleKeyPair, catalogURL: String, rootFile: URL) async -> DataKey? {
        guard let leaf = TreeWrap.leaf(of: wrap.wrapped) else {
            return try? KeyWrap.unwrap(wrap.wrapped, recordingID: wrap.recording.bytes, with: keyPair)
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("attack-root-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        guard (try? FileManager.default.copyItem(at: rootFile, to: scratch)) != nil,
              let catalog = try? await PostgresCatalog(url: catalogURL) else { return nil }
        defer { Task { await catalog.close() } }
        do {
            let tree = try await ErasureTree.open(store: catalog.erasureNodeStore(), rootPath: scratch.path, clock: { Date() })
            let inner = try TreeWrap.open(wrap.wrapped, leafKey: try await tree.leafKey(leaf), recordingID: wrap.recording.bytes, role: wrap.role)
            return try KeyWrap.unwrap(inner, recordingID: wrap.recording.bytes, with: keyPair)
        } catch {
            return nil
        }
    }

    static func wrap(in catalogURL: String, of id: RecordingID, role: String) async throws -> WrapRecord? {
        let catalog = try await PostgresCatalog(url: catalogURL)
        defer { Task { await catalog.close() } }
        return try await catalog.wrap(of: id, role: role)
    }

    /// What an attacker with the data directory, the vault directory and a backup can do with the
    /// wrap `role` had before an erasure, and the role's key pair (the passphrase is known).
    static func attack(_ v: PGVault, wrap: WrapRecord, inner: [UInt8], keyPair: RoleKeyPair, dumpBefore: [UInt8], restoredURL: String,
                       id: RecordingID, role: String) async throws {
        try await v.servers.psql("CHECKPOINT")  // every dirty page on disk: the heap files hold what the WAL does
        let root = v.t.vault.erasure?.root.path ?? v.t.vault.layout.erasureRootFile.path
        // (a) Carving: the role's own sealed box is in no file of the server's data directory (pg_wal
        // included) nor of the vault, whatever VACUUM has or has not done with the deleted row.
        #expect(try Self.filesContaining(inner, under: Self.dataDirectory()) == [], "the inner wrap is in the PostgreSQL data directory")
        #expect(try Self.filesContaining(inner, under: v.t.root) == [], "the inner wrap is in the vault directory")
        // The sealed envelope may still be in dead tuples or WAL: it opens with no tree there is.
        #expect(await Self.dataKey(from: wrap, keyPair: keyPair, catalogURL: v.url, rootFile: URL(fileURLWithPath: root)) == nil,
                "the deleted wrap opened with the live tree")
        // (b) The dump taken before holds only the envelope; the envelope, restored with its old tree
        // or with the current one, no longer yields the data key.
        #expect(!Self.contains(dumpBefore, Self.hex(inner)), "the dump holds the inner wrap bare")
        let backedUp = try #require(try await Self.wrap(in: restoredURL, of: id, role: role))
        #expect(backedUp.wrapped == wrap.wrapped)
        for treeURL in [restoredURL, v.url] {
            #expect(await Self.dataKey(from: backedUp, keyPair: keyPair, catalogURL: treeURL, rootFile: URL(fileURLWithPath: root)) == nil,
                    "the erased wrap opened from the backup with the tree in \(treeURL == v.url ? "the live" : "the restored") database")
        }
    }

    static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        Data(hay).range(of: Data(needle)) != nil
    }

    @Test func aWithdrawnScopesWrapIsInNoServerFileAndADumpTakenBeforeNoLongerOpensIt() async throws {
        let v = try await PGVault.make(roles: ["clinician", "records-officer", "trainer"], scopes: ["care", "training"])
        let t = v.t
        let id = try await t.ingest(pseudoRandomBytes(2 * TestVault.chunkSize)).id
        // A second, long-running user of the catalog (as `serve` or the sweeper would be).
        let service = try await Vault.open(at: t.vault.layout)
        _ = try await service.catalog.recording(id)

        let trainer = try #require(try await t.vault.unlockRole("trainer", passphrase: t.passphrase).keys.values.first)
        let clinician = try #require(try await t.vault.unlockRole("clinician", passphrase: t.passphrase).keys.values.first)
        let trainerWrap = try #require(try await t.vault.catalog.wrap(of: id, role: "trainer"))
        let inner = try await t.vault.innerWrap(trainerWrap)
        let (dump, restoredURL) = try await v.backup()
        let root = URL(fileURLWithPath: t.vault.erasure?.root.path ?? t.vault.layout.erasureRootFile.path)
        // Control: before the withdrawal the backup, with the root in force, opens the trainer's wrap.
        let backedUp = try #require(try await Self.wrap(in: restoredURL, of: id, role: "trainer"))
        #expect(await Self.dataKey(from: backedUp, keyPair: trainer, catalogURL: restoredURL, rootFile: root) != nil)

        let summary = try await t.vault.withdrawConsent(session: "S1", scope: "training", by: .unproven("test"))
        #expect(summary.revokedRoles == ["trainer"])

        try await Self.attack(v, wrap: trainerWrap, inner: inner, keyPair: trainer, dumpBefore: dump, restoredURL: restoredURL, id: id, role: "trainer")
        // Restoring that backup with the current tree still serves the roles that kept consent.
        let clinicianWrap = try #require(try await Self.wrap(in: restoredURL, of: id, role: "clinician"))
        #expect(await Self.dataKey(from: clinicianWrap, keyPair: clinician, catalogURL: v.url, rootFile: root) != nil)
        #expect(try await t.read(id) == pseudoRandomBytes(2 * TestVault.chunkSize))
        await #expect(throws: VaultError.self) { _ = try await t.read(id, as: "trainer") }
        // The other process sees the same tree.
        let viaService = try await service.open(id, as: try await service.unlockRole("clinician", passphrase: t.passphrase), actor: "test")
        _ = viaService
        await service.close()
        await v.remove()
    }

    /// A wrap written bare (by a version before the erasure tree) is sealed under the tree by
    /// `fsck --repair`; a dump taken after that holds only the envelope, which the withdrawal kills.
    /// (Copies made before the repair still hold it bare: fsck says so, and rotating the role retires the key.)
    @Test func aBareWrapIsSealedByFsckRepairAndThenErasedFromEveryLaterDump() async throws {
        let v = try await PGVault.make(roles: ["clinician", "records-officer", "trainer"], scopes: ["care", "training"])
        let t = v.t
        let id = try await t.ingest(pseudoRandomBytes(1000)).id
        let trainer = try #require(try await t.vault.unlockRole("trainer", passphrase: t.passphrase).keys.values.first)
        let inner = try await t.vault.innerWrap(try #require(try await t.vault.catalog.wrap(of: id, role: "trainer")))
        try await v.servers.psql(database: v.database, "UPDATE wraps SET wrapped = '\\x\(String(decoding: Self.hex(inner), as: UTF8.self))'::bytea WHERE role = 'trainer'")
        #expect(TreeWrap.leaf(of: try #require(try await t.vault.catalog.wrap(of: id, role: "trainer")).wrapped) == nil, "the wrap is bare")
        let check = try await t.vault.fsck(repair: false, by: .unproven("test"))
        #expect(check.findings.contains { $0.kind == "bare-wraps" && $0.severity == .warning }, "\(check.findings)")
        let repaired = try await t.vault.fsck(repair: true, by: .unproven("test"))
        #expect(repaired.findings.contains { $0.kind == "bare-wraps" && $0.severity == .repaired }, "\(repaired.findings)")
        let sealed = try #require(try await t.vault.catalog.wrap(of: id, role: "trainer"))
        #expect(TreeWrap.leaf(of: sealed.wrapped) != nil, "fsck --repair sealed it under the tree")
        #expect(try await t.read(id, as: "trainer") == pseudoRandomBytes(1000))

        let (dump, restoredURL) = try await v.backup()
        #expect(!Self.contains(dump, Self.hex(inner)), "a dump taken after the repair holds the wrap bare")
        _ = try await t.vault.withdrawConsent(session: "S1", scope: "training", by: .unproven("test"))
        let root = URL(fileURLWithPath: t.vault.erasure?.root.path ?? t.vault.layout.erasureRootFile.path)
        let backedUp = try #require(try await Self.wrap(in: restoredURL, of: id, role: "trainer"))
        for treeURL in [restoredURL, v.url] {
            #expect(await Self.dataKey(from: backedUp, keyPair: trainer, catalogURL: treeURL, rootFile: root) == nil,
                    "the repaired, then withdrawn wrap opened from the dump")
        }
        await v.remove()
    }

    @Test func aSweptRecordingsWrapsAreInNoServerFileAndOpenFromNoDump() async throws {
        let clock = TestClock("2026-01-10")
        let v = try await PGVault.make(roles: ["clinician", "records-officer", "supervisor"], scopes: ["supervision"], clock: clock.function)
        let t = v.t
        let id = try await t.ingest(pseudoRandomBytes(TestVault.chunkSize), retentionClass: "supervision").id
        let service = try await Vault.open(at: t.vault.layout)
        _ = try await service.catalog.recording(id)
        let supervisor = try #require(try await t.vault.unlockRole("supervisor", passphrase: t.passphrase).keys.values.first)
        let wrap = try #require(try await t.vault.catalog.wrap(of: id, role: "supervisor"))
        let inner = try await t.vault.innerWrap(wrap)
        let (dump, restoredURL) = try await v.backup()

        clock.set("2030-01-01")
        #expect(try await t.vault.sweep(actor: "test").destroyed == 1)

        try await Self.attack(v, wrap: wrap, inner: inner, keyPair: supervisor, dumpBefore: dump, restoredURL: restoredURL, id: id, role: "supervisor")
        await service.close()
        await v.remove()
    }

    @Test func aRotatedRolesOldWrapOpensFromNoDumpEvenWithTheOldKey() async throws {
        let v = try await PGVault.make(roles: ["clinician", "records-officer"], scopes: ["care"])
        let t = v.t
        let id = try await t.ingest(pseudoRandomBytes(1000)).id
        let oldKey = try #require(try await t.vault.unlockRole("clinician", passphrase: t.passphrase).keys.values.first)
        let wrap = try #require(try await t.vault.catalog.wrap(of: id, role: "clinician"))
        let inner = try await t.vault.innerWrap(wrap)
        let (dump, restoredURL) = try await v.backup()

        _ = try await t.vault.rotateRole("clinician", passphrase: t.passphrase, by: .unproven("test"))

        try await Self.attack(v, wrap: wrap, inner: inner, keyPair: oldKey, dumpBefore: dump, restoredURL: restoredURL, id: id, role: "clinician")
        #expect(try await t.read(id) == pseudoRandomBytes(1000))
        await v.remove()
    }

    /// Two nodes (two catalogs on one database, one shared root file) erasing and allocating at once:
    /// the advisory lock serialises their root replacements, and no surviving leaf is lost.
    @Test func twoNodesErasingAtOnceLoseNoSurvivingLeaf() async throws {
        let servers = try SharedBackends.require()
        let database = "er_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        try await servers.createDatabase(database)
        let url = servers.postgresURL(database: String(database))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pgtree-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let rootPath = directory.appendingPathComponent("root").path
        let a = try await PostgresCatalog(url: url), b = try await PostgresCatalog(url: url)
        try await a.migrate()
        let treeA = try await ErasureTree.open(store: a.erasureNodeStore(), rootPath: rootPath, clock: { Date() })
        let treeB = try await ErasureTree.open(store: b.erasureNodeStore(), rootPath: rootPath, clock: { Date() })
        let leaves = try await treeA.allocateLeaves(64)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for leaf in stride(from: 0, to: 64, by: 4) {
                let tree = leaf % 8 == 0 ? treeA : treeB
                group.addTask { try await tree.erase([UInt64(leaf)]) }
            }
            group.addTask { _ = try await treeB.allocateLeaves(10) }
            try await group.waitForAll()
        }
        for (leaf, key) in leaves {
            if leaf % 4 == 0 {
                await #expect(throws: VaultError.self) { _ = try await treeB.leafKey(leaf) }
            } else {
                #expect(try await treeA.leafKey(leaf).constantTimeEquals(key), "leaf \(leaf)")
            }
        }
        await a.close()
        await b.close()
        try? await servers.dropDatabase(String(database))
    }
}
