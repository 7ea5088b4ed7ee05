import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@_spi(Benchmarks) @testable import SessionVault
import VaultCrypto
@testable import VaultIndex

/// Erasure tried as an attacker with every file of the vault and every passphrase would: after a
/// withdrawal, a sweep or a rotation, the wraps that were deleted must not be recoverable from the
/// catalog's files (WAL, freed pages) nor from a backup taken before (issue: "Erasure that holds").
@Suite("Erasure holds against file carving and backups", .timeLimit(.minutes(30)))
struct ErasureAttackTests {
    /// A copy of the vault directory, as a backup would take it: everything but the erasure root,
    /// which docs/THREAT-MODEL.md says never to back up with history.
    static func backup(_ t: TestVault) throws -> URL {
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("backup-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: t.root, to: target)
        try FileManager.default.removeItem(at: VaultLayout(root: target).erasureRootFile)
        return target
    }

    /// Every file under `directory` that contains `needle`.
    static func filesContaining(_ needle: [UInt8], under directory: URL) throws -> [String] {
        var found: [String] = []
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let data = try [UInt8](Data(contentsOf: url))
            if Self.contains(data, needle) {
                found.append(url.lastPathComponent)
            }
        }
        return found
    }

    static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, hay.count >= needle.count else { return false }
        var index = 0
        while index <= hay.count - needle.count {
            if hay[index] == first, hay[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    /// Tries to get the data key out of `wrap` with `keyPair`, using the node store at `treeFile`
    /// and the root file at `rootFile` (copied first: opening a tree may tidy its root file).
    static func dataKey(from wrap: WrapRecord, keyPair: RoleKeyPair, treeFile: URL, rootFile: URL) async -> DataKey? {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("attack-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: treeFile.path + suffix) {
                try FileManager.default.copyItem(atPath: treeFile.path + suffix, toPath: scratch.appendingPathComponent("tree.sqlite" + suffix).path)
            }
            try FileManager.default.copyItem(at: rootFile, to: scratch.appendingPathComponent("root"))
            let store = try SQLiteErasureNodeStore(path: scratch.appendingPathComponent("tree.sqlite").path)
            let tree = try await ErasureTree.open(store: store, rootPath: scratch.appendingPathComponent("root").path, clock: { Date() })
            guard let leaf = TreeWrap.leaf(of: wrap.wrapped) else {
                return try KeyWrap.unwrap(wrap.wrapped, recordingID: wrap.recording.bytes, with: keyPair)
            }
            let inner = try TreeWrap.open(wrap.wrapped, leafKey: try await tree.leafKey(leaf), recordingID: wrap.recording.bytes, role: wrap.role)
            return try KeyWrap.unwrap(inner, recordingID: wrap.recording.bytes, with: keyPair)
        } catch {
            return nil
        }
    }

    /// The wrap of `role` in the catalog file at `catalogPath` (a backup's).
    static func wrap(in catalogPath: URL, of id: RecordingID, role: String) async throws -> WrapRecord? {
        let catalog = try SQLiteCatalog(path: catalogPath.path)
        return try await catalog.wrap(of: id, role: role)
    }

    @Test func aWithdrawnScopesWrapIsInNoFileAndABackupTakenBeforeNoLongerOpensIt() async throws {
        let t = try await TestVault.make(roles: ["clinician", "records-officer", "trainer"], scopes: ["care", "training"])
        defer { t.remove() }
        let id = try await t.ingest(pseudoRandomBytes(3 * TestVault.chunkSize)).id
        let layout = t.vault.layout
        // A second, long-running user of the catalog (as `serve` or the sweeper would be).
        let service = try await Vault.open(at: layout)
        defer { Task { await service.close() } }
        _ = try await service.catalog.recording(id)

        let trainer = try await t.vault.unlockRole("trainer", passphrase: t.passphrase)
        let clinician = try await t.vault.unlockRole("clinician", passphrase: t.passphrase)
        let trainerWrap = try #require(try await t.vault.catalog.wrap(of: id, role: "trainer"))
        let saved = try Self.backup(t)
        defer { try? FileManager.default.removeItem(at: saved) }
        let savedLayout = VaultLayout(root: saved)
        // Control: before the withdrawal the backup, with the root in force, opens the trainer's wrap.
        let before = await Self.dataKey(from: trainerWrap, keyPair: try #require(trainer.keys.values.first),
                                        treeFile: savedLayout.erasureTreeFile, rootFile: layout.erasureRootFile)
        #expect(before != nil)

        let summary = try await t.vault.withdrawConsent(session: "S1", scope: "training", by: .unproven("test"))
        #expect(summary.revokedRoles == ["trainer"])

        // (a) Carving: the deleted wrap's bytes are in no file of the vault.
        #expect(try Self.filesContaining(trainerWrap.wrapped, under: t.root) == [])
        // (b) The backup's catalog still holds the wrap, but neither its tree nor the current one opens it.
        let backedUpWrap = try #require(try await Self.wrap(in: savedLayout.catalogFile, of: id, role: "trainer"))
        #expect(backedUpWrap.wrapped == trainerWrap.wrapped)
        for treeFile in [savedLayout.erasureTreeFile, layout.erasureTreeFile] {
            let key = await Self.dataKey(from: backedUpWrap, keyPair: try #require(trainer.keys.values.first), treeFile: treeFile,
                                         rootFile: layout.erasureRootFile)
            #expect(key == nil, "the withdrawn wrap opened from a backup")
        }
        // Restoring that backup's catalog with the current tree still serves the roles that kept consent.
        let clinicianWrap = try #require(try await Self.wrap(in: savedLayout.catalogFile, of: id, role: "clinician"))
        #expect(await Self.dataKey(from: clinicianWrap, keyPair: try #require(clinician.keys.values.first), treeFile: layout.erasureTreeFile,
                                   rootFile: layout.erasureRootFile) != nil)
        #expect(try await t.read(id) == pseudoRandomBytes(3 * TestVault.chunkSize))
        await expectVaultError(.noWrap) { _ = try await t.read(id, as: "trainer") }
    }

    @Test func aSweptRecordingsWrapsOpenFromNoBackup() async throws {
        let clock = TestClock("2026-01-10")
        let t = try await TestVault.make(roles: ["clinician", "records-officer", "supervisor"], scopes: ["supervision"], clock: clock.function)
        defer { t.remove() }
        let id = try await t.ingest(pseudoRandomBytes(2 * TestVault.chunkSize), retentionClass: "supervision").id
        let service = try await Vault.open(at: t.vault.layout)
        defer { Task { await service.close() } }
        _ = try await service.catalog.recording(id)
        let supervisor = try await t.vault.unlockRole("supervisor", passphrase: t.passphrase)
        let wraps = try await t.vault.catalog.wrapRoles(of: id)
        #expect(wraps.contains("supervisor"))
        let supervisorWrap = try #require(try await t.vault.catalog.wrap(of: id, role: "supervisor"))
        let saved = try Self.backup(t)
        defer { try? FileManager.default.removeItem(at: saved) }
        let savedLayout = VaultLayout(root: saved)
        #expect(await Self.dataKey(from: supervisorWrap, keyPair: try #require(supervisor.keys.values.first),
                                   treeFile: savedLayout.erasureTreeFile, rootFile: t.vault.layout.erasureRootFile) != nil)

        clock.set("2030-01-01")
        #expect(try await t.vault.sweep(actor: "test").destroyed == 1)

        #expect(try Self.filesContaining(supervisorWrap.wrapped, under: t.root) == [])
        for treeFile in [savedLayout.erasureTreeFile, t.vault.layout.erasureTreeFile] {
            #expect(await Self.dataKey(from: supervisorWrap, keyPair: try #require(supervisor.keys.values.first), treeFile: treeFile,
                                       rootFile: t.vault.layout.erasureRootFile) == nil, "a destroyed recording's wrap opened from a backup")
        }
    }

    @Test func aRotatedRolesOldWrapOpensFromNoBackupEvenWithTheOldKey() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let id = try await t.ingest(pseudoRandomBytes(TestVault.chunkSize)).id
        let oldClinician = try await t.vault.unlockRole("clinician", passphrase: t.passphrase)
        let oldWrap = try #require(try await t.vault.catalog.wrap(of: id, role: "clinician"))
        let saved = try Self.backup(t)
        defer { try? FileManager.default.removeItem(at: saved) }
        let savedLayout = VaultLayout(root: saved)

        _ = try await t.vault.rotateRole("clinician", passphrase: t.passphrase, by: .unproven("test"))

        #expect(try Self.filesContaining(oldWrap.wrapped, under: t.root) == [])
        // The attacker kept the old key file (in the backup's keyring) and knows the passphrase.
        for treeFile in [savedLayout.erasureTreeFile, t.vault.layout.erasureTreeFile] {
            #expect(await Self.dataKey(from: oldWrap, keyPair: try #require(oldClinician.keys.values.first), treeFile: treeFile,
                                       rootFile: t.vault.layout.erasureRootFile) == nil, "a rotated-out wrap opened with the old key")
        }
        #expect(try await t.read(id) == pseudoRandomBytes(TestVault.chunkSize))
    }

    @Test func anErasureInterruptedAfterItsCatalogChangeIsFinishedByTheNextSweep() async throws {
        let clock = TestClock("2026-01-10")
        let t = try await TestVault.make(roles: ["clinician", "records-officer", "supervisor"], scopes: ["supervision"], clock: clock.function)
        defer { t.remove() }
        let id = try await t.ingest(pseudoRandomBytes(TestVault.chunkSize), retentionClass: "supervision").id
        let supervisor = try await t.vault.unlockRole("supervisor", passphrase: t.passphrase)
        let wrap = try #require(try await t.vault.catalog.wrap(of: id, role: "supervisor"))
        let saved = try Self.backup(t)
        defer { try? FileManager.default.removeItem(at: saved) }
        let savedTree = VaultLayout(root: saved).erasureTreeFile
        var wraps: [WrapRecord] = []
        for role in try await t.vault.catalog.wrapRoles(of: id) { wraps.append(try #require(try await t.vault.catalog.wrap(of: id, role: role))) }
        // A sweep that shredded in the catalog and was killed before erasing the leaves.
        clock.set("2030-01-01")
        try await t.vault.markForErasure(wraps)
        #expect(try await t.vault.catalog.beginDisposal([(id: id, authorisedBy: "sweeper (schedule)")], at: clock.now, actor: "sweeper") == [id])
        #expect(await Self.dataKey(from: wrap, keyPair: try #require(supervisor.keys.values.first), treeFile: savedTree,
                                   rootFile: t.vault.layout.erasureRootFile) != nil, "the window the intent log closes")
        let fsck = try await t.vault.fsck(repair: false, by: .unproven("test"))
        #expect(fsck.findings.contains { $0.kind == "interrupted-erasure" })
        let report = try await t.vault.sweep(actor: "test")
        #expect(report.resumed == 1)
        #expect(await Self.dataKey(from: wrap, keyPair: try #require(supervisor.keys.values.first), treeFile: savedTree,
                                   rootFile: t.vault.layout.erasureRootFile) == nil)
    }

    /// A vault with one recording wrapped for the clinician, the records officer and the trainer,
    /// the trainer's wrap and key, and a copy of the vault taken before anything is killed.
    struct CrashTrial {
        let t: TestVault
        let bytes = pseudoRandomBytes(1000)
        let id: RecordingID
        let wrap: WrapRecord
        let trainer: RoleKeyPair
        let saved: URL

        static func make() async throws -> CrashTrial {
            let t = try await TestVault.make(roles: ["clinician", "records-officer", "trainer"], scopes: ["care", "training"])
            let id = try await t.ingest(pseudoRandomBytes(1000)).id
            return CrashTrial(t: t, id: id, wrap: try #require(try await t.vault.catalog.wrap(of: id, role: "trainer")),
                              trainer: try #require(try await t.vault.unlockRole("trainer", passphrase: t.passphrase).keys.values.first),
                              saved: try ErasureAttackTests.backup(t))
        }

        var environment: [String: String] {
            TestEnvironment.inherited.merging(["SESSIONVAULT_DIR": t.root.path, "SESSIONVAULT_PASSPHRASE": "correct horse battery staple"]) { $1 }
        }

        /// Runs `arguments` in `test-crash-at`, which SIGKILLs itself at `point`.
        func kill(at point: String, _ arguments: [String]) async throws {
            let killed = try await ChildProcess.run(BuiltProduct.crashAt, [point] + arguments, environment: environment)
            #expect(killed.reason == .uncaughtSignal && killed.status == SIGKILL, "\(killed.status) \(killed.stderr)")
        }

        /// Whether the trainer's wrap, as it was before, still opens with the tree copied then and the root in force now.
        func oldWrapOpensFromTheCopy() async -> Bool {
            await ErasureAttackTests.dataKey(from: wrap, keyPair: trainer, treeFile: VaultLayout(root: saved).erasureTreeFile,
                                             rootFile: t.vault.layout.erasureRootFile) != nil
        }

        func repair() async throws -> ChildProcess.Output {
            try await ChildProcess.run(CLI.binary, ["fsck", "--repair"], environment: environment)
        }

        func remove() {
            try? FileManager.default.removeItem(at: saved)
            t.remove()
        }
    }

    /// A real SIGKILL between a withdrawal's (or a rotation's) catalog change and the erasure of the
    /// deleted wraps' leaves: a backup taken before opens the old wrap only until `fsck --repair`
    /// finishes the erasure from the intent log.
    @Test(arguments: ["withdraw.after-commit", "rotate.after-replace"])
    func aProcessKilledBeforeItsErasureLeavesNoWrapOpenAfterRepair(point: String) async throws {
        let trial = try await CrashTrial.make()
        defer { trial.remove() }
        try await trial.kill(at: point, point.hasPrefix("withdraw") ? ["consent-withdraw", "S1", "training"] : ["role-rotate", "trainer"])
        #expect(try await trial.t.vault.catalog.wrap(of: trial.id, role: "trainer")?.wrapped != trial.wrap.wrapped, "the catalog change committed")
        #expect(await trial.oldWrapOpensFromTheCopy(), "the window the intent log closes")
        let repaired = try await trial.repair()
        #expect(repaired.stdout.isEmpty == false || repaired.stderr.isEmpty == false)
        #expect(await trial.oldWrapOpensFromTheCopy() == false, "fsck --repair: \(repaired.out) \(repaired.stderr)")
    }

    /// A process killed inside an erasure: after the new root is written beside the old, or after the
    /// node store committed the new generation but before the old root is wiped. Every role that keeps
    /// its wrap still opens the recording (never one role and not another), and once the next writer
    /// (here `fsck --repair`) has run, the withdrawn wrap opens from no earlier copy of the tree.
    @Test(arguments: ["erase.after-new-root", "erase.after-commit"])
    func aProcessKilledInsideAnErasureLeavesEveryOtherRoleOpeningAndTheWithdrawnWrapGoneAfterRepair(point: String) async throws {
        let trial = try await CrashTrial.make()
        defer { trial.remove() }
        try await trial.kill(at: point, ["consent-withdraw", "S1", "training"])
        let reopened = try await Vault.open(at: trial.t.vault.layout)
        for role in ["clinician", "records-officer"] {
            let unlocked = try await reopened.unlockRole(role, passphrase: trial.t.passphrase)
            var sink = MemorySink()
            try await reopened.stream(try await reopened.open(trial.id, as: unlocked, actor: "test"), range: nil, to: &sink)
            #expect(sink.bytes == trial.bytes, "\(role) after a kill at \(point)")
        }
        await reopened.close()
        let repaired = try await trial.repair()
        #expect(repaired.status == 0, "\(repaired.out) \(repaired.stderr)")
        #expect(await trial.oldWrapOpensFromTheCopy() == false,
                "the tree saved before the withdrawal still opens the trainer's wrap after a kill at \(point)")
        #expect(try await trial.t.read(trial.id, as: "clinician") == trial.bytes)
    }

    @Test func aWithdrawalTheCatalogRefusesLeavesEveryLeafInPlace() async throws {
        let t = try await TestVault.make(roles: ["clinician", "records-officer", "trainer"], scopes: ["care", "training"])
        defer { t.remove() }
        let id = try await t.ingest(pseudoRandomBytes(1000)).id
        let wrap = try #require(try await t.vault.catalog.wrap(of: id, role: "trainer"))
        try await t.vault.markForErasure([wrap])
        // Settling finds the wrap still in the catalog (the change never happened): it is kept.
        #expect(try await t.vault.settlePendingErasures() == 0)
        #expect(try await t.read(id, as: "trainer") == pseudoRandomBytes(1000))
    }
}
