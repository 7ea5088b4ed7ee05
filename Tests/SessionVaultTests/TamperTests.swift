import Foundation
import Testing
import SessionVault
import VaultCrypto
@testable import VaultIndex

/// Every way of changing stored data behind the vault's back is detected on read, with an
/// error naming the recording (and chunk), and no unverified byte is returned.
@Suite("Tamper detection")
struct TamperTests {
    static let c = TestVault.chunkSize

    func setUp() async throws -> (TestVault, RecordingID, [UInt8]) {
        let t = try await TestVault.make()
        let input = pseudoRandomBytes(3 * Self.c + 10)
        let id = try await t.ingest(input).id
        return (t, id, input)
    }

    func expectTampered(_ t: TestVault, _ id: RecordingID, chunk expected: Int? = nil, range: Range<Int64>? = nil) async throws {
        do {
            let bytes = try await t.read(id, range: range)
            Issue.record("read succeeded with \(bytes.count) bytes")
        } catch let error as VaultError {
            switch error.code {
            case .chunkTampered, .chunkMissing:
                #expect(error.recording == id)
                if let expected { #expect(error.chunk == expected) }
            case .manifestTampered:
                #expect(error.recording == id)
                #expect(expected == nil)
            default:
                Issue.record("unexpected error \(error)")
            }
        }
    }

    func sql(_ t: TestVault, _ statement: String, _ values: [SQLValue]) throws {
        let db = try SQLiteConnection(path: t.catalogPath)
        try db.run(statement, values)
    }

    @Test func aFlippedBitInAChunkIsDetected() async throws {
        let (t, id, _) = try await setUp()
        defer { t.remove() }
        let file = t.chunkFile(id, 1)
        var bytes = try [UInt8](Data(contentsOf: file))
        bytes[100] ^= 0x01
        try Data(bytes).write(to: file)
        try await expectTampered(t, id, chunk: 1)
        // A range that does not touch chunk 1 still reads: only touched chunks are opened.
        #expect(try await t.read(id, range: 0..<10).count == 10)
    }

    @Test func swappingTwoChunksOfARecordingIsDetected() async throws {
        let (t, id, _) = try await setUp()
        defer { t.remove() }
        let a = t.chunkFile(id, 0), b = t.chunkFile(id, 1)
        let bytesA = try Data(contentsOf: a), bytesB = try Data(contentsOf: b)
        try bytesB.write(to: a)
        try bytesA.write(to: b)
        try await expectTampered(t, id, chunk: 0)
    }

    @Test func aChunkFromAnotherRecordingIsDetected() async throws {
        let (t, id, _) = try await setUp()
        defer { t.remove() }
        let other = try await t.ingest(pseudoRandomBytes(3 * Self.c + 10, seed: 9)).id
        try Data(contentsOf: t.chunkFile(other, 2)).write(to: t.chunkFile(id, 2))
        try await expectTampered(t, id, chunk: 2)
    }

    @Test func aMissingChunkIsReported() async throws {
        let (t, id, _) = try await setUp()
        defer { t.remove() }
        try FileManager.default.removeItem(at: t.chunkFile(id, 3))
        try await expectTampered(t, id, chunk: 3)
    }

    @Test func truncationThroughTheCatalogIsDetected() async throws {
        let (t, id, _) = try await setUp()
        defer { t.remove() }
        try sql(t, "UPDATE recordings SET chunk_count = 3, byte_count = ? WHERE id = ?", [.integer(Int64(3 * Self.c)), .blob(id.bytes)])
        try sql(t, "DELETE FROM chunks WHERE recording_id = ? AND idx = 3", [.blob(id.bytes)])
        try await expectTampered(t, id)
    }

    @Test func truncatingTheLastChunkIsDetected() async throws {
        let (t, id, _) = try await setUp()
        defer { t.remove() }
        let file = t.chunkFile(id, 3)
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count - 5).write(to: file)
        try await expectTampered(t, id, chunk: 3)
    }

    @Test func anExtraChunkIsDetected() async throws {
        let (t, id, _) = try await setUp()
        defer { t.remove() }
        try Data(contentsOf: t.chunkFile(id, 3)).write(to: t.chunkFile(id, 4))
        try sql(t, "INSERT INTO chunks (recording_id, idx, sealed_size, digest) VALUES (?, 4, 66, ?)", [.blob(id.bytes), .blob([UInt8](repeating: 1, count: 32))])
        try sql(t, "UPDATE recordings SET chunk_count = 5 WHERE id = ?", [.blob(id.bytes)])
        try await expectTampered(t, id)
    }

    @Test func anEditedManifestIsDetected() async throws {
        let (t, id, _) = try await setUp()
        defer { t.remove() }
        let db = try SQLiteConnection(path: t.catalogPath)
        let manifest = try #require(try db.queryOne("SELECT manifest FROM recordings WHERE id = ?", [.blob(id.bytes)]) { $0.blob(0) })
        let edited = String(decoding: manifest, as: UTF8.self).replacingOccurrences(of: "\"retentionClass\":\"care\"", with: "\"retentionClass\":\"xxxx\"")
        #expect(Array(edited.utf8) != manifest)
        try db.run("UPDATE recordings SET manifest = ? WHERE id = ?", [.blob(Array(edited.utf8)), .blob(id.bytes)])
        try await expectTampered(t, id)
    }

    @Test(arguments: ["byte_count = byte_count + 1", "chunk_size = 1024", "class = 'training'", "session = 'S9'", "media_type = 'video/mp4'"])
    func anEditedCatalogRowIsDetected(_ edit: String) async throws {
        let (t, id, _) = try await setUp()
        defer { t.remove() }
        try sql(t, "UPDATE recordings SET \(edit) WHERE id = ?", [.blob(id.bytes)])
        try await expectTampered(t, id)
    }

    @Test func anEditedChunkDigestRowIsDetected() async throws {
        let (t, id, _) = try await setUp()
        defer { t.remove() }
        try sql(t, "UPDATE chunks SET digest = ? WHERE recording_id = ? AND idx = 0", [.blob([UInt8](repeating: 0, count: 32)), .blob(id.bytes)])
        try await expectTampered(t, id)
        let report = try await t.vault.verify([id], actor: "test")
        #expect(report.problems.map(\.chunk) == [0])
    }

    @Test func verifyFindsCorruptionWithoutAnyKey() async throws {
        let (t, id, _) = try await setUp()
        defer { t.remove() }
        #expect(try await t.vault.verify(actor: "test").problems.isEmpty)
        let file = t.chunkFile(id, 2)
        var bytes = try [UInt8](Data(contentsOf: file))
        bytes[bytes.count - 1] ^= 0x80
        try Data(bytes).write(to: file)
        try FileManager.default.removeItem(at: t.chunkFile(id, 0))
        let report = try await t.vault.verify(actor: "test")
        #expect(report.problems.map(\.chunk) == [0, 2])
        #expect(report.problems.map(\.problem) == ["blob missing", "ciphertext digest mismatch (corrupted)"])
    }

    /// An insider once moved Alice's recording onto Bob's care list with `UPDATE recordings SET
    /// patient = ...`: the manifest did not cover the patient, so the read went through and
    /// verify/fsck said nothing. The pseudonym is now in the authenticated manifest.
    @Test func aRecordingMovedOntoAnotherPatientIsRefusedOnReadAndReportedByVerify() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        try await t.vault.recordConsent(ConsentRequest(session: "S2", patientIdentifier: "4010232137", scopes: ["care"]), vaultPassphrase: t.passphrase, by: .unproven("test"))
        let alice = try await t.ingest(pseudoRandomBytes(1000)).id
        let bobsPseudonym = try #require(try await t.vault.catalog.consents(session: "S2").first?.patient)
        #expect(try await t.vault.catalog.recording(alice)?.patient != bobsPseudonym)
        #expect(try await t.read(alice).count == 1000)

        try sql(t, "UPDATE recordings SET patient = ? WHERE id = ?", [.text(bobsPseudonym), .blob(alice.bytes)])
        do {
            _ = try await t.read(alice)
            Issue.record("a recording moved onto another patient was read")
        } catch let error as VaultError {
            #expect(error.code == .manifestTampered && error.recording == alice && error.reason?.contains("patient differs") == true, "\(error)")
        }
        // Keyless, verify can only scrub chunks; with the records officer's key it opens every manifest.
        let officer = try await t.vault.unlockRole("records-officer", passphrase: t.passphrase)
        let report = try await t.vault.verify(manifestsAs: officer, actor: "test")
        #expect(report.manifestsChecked == 1 && report.manifestsWithoutPatient == 0)
        #expect(report.problems.map(\.problem) == ["catalog row edited: patient differs"])
        #expect(report.problems.first?.recording == alice.description)

        try sql(t, "UPDATE recordings SET patient = (SELECT patient FROM consents WHERE session = 'S1') WHERE id = ?", [.blob(alice.bytes)])
        #expect(try await t.read(alice).count == 1000)
        #expect(try await t.vault.verify(manifestsAs: officer, actor: "test").problems.isEmpty)
    }
}
