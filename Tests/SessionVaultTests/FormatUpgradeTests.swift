import Foundation
import Testing
@testable import SessionVault
import VaultCrypto
import VaultIndex
import VaultStore

/// `fsck --upgrade`: format-1 recordings rewritten in format 2, same bytes, segment-level range
/// reads, one audit entry each; held recordings left alone; never a chunk key reused.
@Suite("Format upgrade", .timeLimit(.minutes(10)))
struct FormatUpgradeTests {
    static let chunk = 1 << 20
    static let segment = 64 << 10

    func ingestFormatOne(_ t: TestVault, _ input: [UInt8], session: String = "S1") async throws -> RecordingID {
        var reader = BufferChunkReader(bytes: input)
        var request = IngestRequest(session: session, clinician: "dr-a", retentionClass: "care", chunkSize: Self.chunk, actor: "test")
        request.chunkFormat = .whole
        return try await t.vault.ingest(request, from: &reader).id
    }

    func manifest(_ t: TestVault, _ id: RecordingID) async throws -> RecordingManifest {
        try RecordingManifest.decode(try #require(try await t.vault.catalog.recording(id)).manifest)
    }

    func upgrade(_ t: TestVault, dryRun: Bool = false) async throws -> FormatUpgradeReport {
        let officer = try await t.officer(for: .upgradeFormat)
        let role = try await t.vault.unlockRole("records-officer", passphrase: t.passphrase)
        return try await t.vault.upgradeFormat(as: role, by: .officer(officer), dryRun: dryRun)
    }

    @Test func aFormatOneRecordingIsRewrittenAndReadsTheSameSegmentBySegment() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(2 * Self.chunk + 3 * Self.segment + 77)
        let id = try await ingestFormatOne(t, input)
        let current = try await t.ingest(pseudoRandomBytes(1000, seed: 7)).id

        let report = try await upgrade(t)
        #expect(report.upgraded == [id.description] && report.current == 1 && report.errors.isEmpty)
        let after = try await manifest(t, id)
        #expect(after.format == 2 && after.segmentSize == Self.segment && after.generation == 1)
        #expect(try await manifest(t, current).generation == nil)

        #expect(try await t.read(id) == input)
        // Range reads now open only the segments that hold them.
        let store = SegmentedRetrievalTests.CountingStore(t.vault.store)
        let vault = Vault(layout: t.vault.layout, config: t.vault.config, catalog: t.vault.catalog, store: store, keyring: t.vault.keyring,
                          erasure: t.vault.erasure, clock: { Date() })
        let opened = try await vault.open(id, as: try await vault.unlockRole("clinician", passphrase: t.passphrase), actor: "test")
        var sink = MemorySink()
        let start = Self.chunk + 5 * Self.segment - 50
        try await vault.stream(opened, range: Int64(start)..<Int64(start + 100), to: &sink)
        #expect(sink.bytes == Array(input[start..<(start + 100)]))
        #expect(store.bytesRead.withLock { $0 } == 2 * Self.segment + 2 * 16)

        // Only the new generation's blobs are left; verify and fsck find nothing.
        let listed = try await t.vault.store.list(prefix: ChunkLayout.directory(of: id)).map(\.key.path).sorted()
        #expect(listed.count == 3 && listed.allSatisfy { $0.hasSuffix(".g1") })
        #expect(try await t.vault.verify(actor: "test").problems.isEmpty)
        let fsck = try await t.vault.fsck(repair: false, grace: 0, by: .unproven("test"))
        #expect(fsck.errors.isEmpty, "\(fsck.errors)")
        let entries = try await t.vault.catalog.auditEntries(after: 0, limit: 1000).filter { $0.draft.action == AuditAction.formatUpgrade.rawValue }
        #expect(entries.count == 1 && entries.first?.draft.target == id.description && entries.first?.draft.actor == "officer:rita")

        // A second run finds nothing left to do.
        let again = try await t.vault.upgradeFormat(as: try await t.vault.unlockRole("records-officer", passphrase: t.passphrase),
                                                    by: .officer(try await t.vault.proveOfficer("rita", passphrase: t.passphrase, for: .upgradeFormat)))
        #expect(again.upgraded.isEmpty && again.current == 2)
    }

    @Test func theRewriteNeverReusesAFormatOneNonceUnderTheSameKey() async throws {
        // Segment 0 of a format-2 chunk has the nonce of the format-1 chunk at that index: sealed
        // under the same key, its keystream would be the old one's and its tag a second message
        // under a used nonce. The rewritten chunk must be sealed under another key.
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(Self.chunk + 10)
        let id = try await ingestFormatOne(t, input)
        let old = try await t.vault.store.get(try ChunkLayout.key(of: id, index: 0))
        _ = try await upgrade(t)
        let new = try await t.vault.store.get(try ChunkLayout.key(of: id, index: 0, generation: 1))
        let header = ChunkSealer.headerSize
        // Compared by digest, so that a failure does not print 64 KiB twice.
        #expect(ChunkDigest.sha256(Array(old[header..<(header + Self.segment)])) != ChunkDigest.sha256(Array(new[header..<(header + Self.segment)])),
                "segment 0 of the rewritten chunk has the old chunk's keystream")
        #expect(try await t.read(id) == input)
    }

    @Test func aHeldRecordingIsSkippedAndTheDryRunChangesNothing() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let held = try await ingestFormatOne(t, pseudoRandomBytes(70_000, seed: 1))
        let free = try await ingestFormatOne(t, pseudoRandomBytes(70_000, seed: 2))
        _ = try await t.vault.placeHold(recording: held, patient: nil, vaultPassphrase: nil, reason: "complaint", caseRef: "C-1",
                                        by: .officer(try await t.officer(for: .placeHold)))
        let tagBefore = try #require(try await t.vault.catalog.recording(free)).manifestTag

        let dry = try await t.vault.upgradeFormat(as: nil, by: .unproven("test"), dryRun: true)
        #expect(dry.upgraded == [free.description])
        #expect(dry.findings.contains { $0.kind == "upgrade-held" && $0.subject == "recording \(held)" })
        #expect(try #require(try await t.vault.catalog.recording(free)).manifestTag == tagBefore)

        let officer = try await t.vault.proveOfficer("rita", passphrase: t.passphrase, for: .upgradeFormat)
        let report = try await t.vault.upgradeFormat(as: try await t.vault.unlockRole("records-officer", passphrase: t.passphrase), by: .officer(officer))
        #expect(report.upgraded == [free.description] && report.errors.isEmpty)
        #expect(report.findings.contains { $0.kind == "upgrade-held" && $0.severity == .warning })
        #expect(try await manifest(t, held).format == 1)
        #expect(try await manifest(t, free).format == 2)
        #expect(try await t.read(held) == pseudoRandomBytes(70_000, seed: 1))
    }

    @Test func aRealUpgradeNeedsAnOfficer() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        _ = try await ingestFormatOne(t, pseudoRandomBytes(1000))
        try await t.officer(for: .placeHold)
        let role = try await t.vault.unlockRole("records-officer", passphrase: t.passphrase)
        await expectVaultError(.officerRefused) { _ = try await t.vault.upgradeFormat(as: role, by: .unproven("test")) }
    }

    @Test func gcRemovesTheBlobsOfAGenerationTheCatalogDoesNotName() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(Self.chunk + 10)
        let id = try await ingestFormatOne(t, input)
        // What an upgrade killed before its switch leaves: a next-generation blob no row names.
        let stray = try ChunkLayout.key(of: id, index: 0, generation: 1)
        try await t.vault.store.put(stray, [1, 2, 3], options: .none)
        let report = try await t.vault.collectGarbage(grace: 0, actor: "test")
        #expect(report.orphanBlobs == 1)
        #expect(try await t.vault.store.size(of: stray) == nil)
        #expect(try await t.read(id) == input)
    }
}
