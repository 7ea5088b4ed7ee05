import Foundation
import Testing
@testable import SessionVault
import VaultCrypto
@testable import VaultIndex

/// The memo of unwrapped keys must never stand in for a wrap: it is found only through the wrap
/// the catalog holds now.
@Suite("Opened key cache")
struct OpenedKeyCacheTests {
    func entry(_ t: TestVault, _ id: RecordingID, at time: Date) async throws -> OpenedKeyCache.Entry {
        let opened = try await t.vault.open(id, as: try await t.vault.unlockRole("clinician", passphrase: t.passphrase), actor: "test")
        return OpenedKeyCache.Entry(manifest: opened.manifest, sealer: opened.sealer, lastUse: time)
    }

    func key(_ id: RecordingID, wrapped: [UInt8] = [1], manifest: [UInt8] = [2]) -> OpenedKeyCache.Key {
        OpenedKeyCache.Key(id: id, role: "clinician", keyID: "k", wrapped: wrapped, manifest: manifest, manifestTag: [3])
    }

    @Test func entriesAreFoundOnlyByTheExactWrapAndManifestAndAgeOut() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let id = try await t.ingest(pseudoRandomBytes(1000)).id
        let start = Date(timeIntervalSince1970: 1_000_000)
        var cache = OpenedKeyCache()
        cache.insert(try await entry(t, id, at: start), for: key(id))
        #expect(cache.lookUp(key(id), now: start + 1) != nil)
        #expect(cache.lookUp(key(id, wrapped: [9]), now: start + 2) == nil)
        #expect(cache.lookUp(key(id, manifest: [9]), now: start + 3) == nil)
        // Each use restarts the idle clock; a long pause drops the entry.
        #expect(cache.lookUp(key(id), now: start + OpenedKeyCache.idleLimit) != nil)
        #expect(cache.lookUp(key(id), now: start + 2 * OpenedKeyCache.idleLimit + 1) == nil)
        #expect(cache.count == 0)
    }

    @Test func theCacheKeepsAtMostItsCapacityDroppingTheLeastRecentlyUsed() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let id = try await t.ingest(pseudoRandomBytes(10)).id
        let start = Date(timeIntervalSince1970: 2_000_000)
        let template = try await entry(t, id, at: start)
        var cache = OpenedKeyCache()
        for n in 0..<OpenedKeyCache.capacity {
            cache.insert(OpenedKeyCache.Entry(manifest: template.manifest, sealer: template.sealer, lastUse: start + Double(n) / 1000),
                         for: key(id, wrapped: [UInt8(truncatingIfNeeded: n), UInt8(n >> 8)]))
        }
        _ = cache.lookUp(key(id, wrapped: [0, 0]), now: start + 1)   // the oldest, used again
        cache.insert(OpenedKeyCache.Entry(manifest: template.manifest, sealer: template.sealer, lastUse: start + 2), for: key(id, wrapped: [7, 7, 7]))
        #expect(cache.count == OpenedKeyCache.capacity)
        #expect(cache.lookUp(key(id, wrapped: [0, 0]), now: start + 3) != nil)
        #expect(cache.lookUp(key(id, wrapped: [1, 0]), now: start + 4) == nil)
    }

    @Test func aWithdrawnConsentStopsTheNextOpenEvenRightAfterAnOpenThroughTheSameWrap() async throws {
        let t = try await TestVault.make(scopes: ["care", "supervision"])
        defer { t.remove() }
        let id = try await t.ingest(pseudoRandomBytes(5000)).id
        let supervisor = try await t.vault.unlockRole("supervisor", passphrase: t.passphrase)
        _ = try await t.vault.open(id, as: supervisor, actor: "test")
        _ = try await t.vault.open(id, as: supervisor, actor: "test")   // served from the memo
        _ = try await t.vault.withdrawConsent(session: "S1", scope: "supervision", by: .unproven("test"))
        await expectVaultError(.noWrap) { _ = try await t.vault.open(id, as: supervisor, actor: "test") }
        // The clinician's wrap is untouched and still opens.
        #expect(try await t.read(id) == pseudoRandomBytes(5000))
    }

    @Test func anEditedManifestIsCaughtEvenWhenTheRecordingWasOpenedBefore() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let id = try await t.ingest(pseudoRandomBytes(5000)).id
        _ = try await t.read(id)
        let db = try SQLiteConnection(path: t.catalogPath)
        let manifest = try #require(try db.queryOne("SELECT manifest FROM recordings WHERE id = ?", [.blob(id.bytes)]) { $0.blob(0) })
        let edited = String(decoding: manifest, as: UTF8.self).replacingOccurrences(of: "\"retentionClass\":\"care\"", with: "\"retentionClass\":\"xxxx\"")
        #expect(Array(edited.utf8) != manifest)
        try db.run("UPDATE recordings SET manifest = ? WHERE id = ?", [.blob(Array(edited.utf8)), .blob(id.bytes)])
        do {
            _ = try await t.read(id)
            Issue.record("an edited manifest was served from the memo")
        } catch let error as VaultError {
            #expect(error.code == .manifestTampered && error.recording == id, "\(error)")
        }
    }
}
