import Foundation
import Testing
@testable import SessionVault
import VaultCrypto
@testable import VaultIndex

@Suite("Access control, keys and errors")
struct AccessTests {
    @Test func aRoleWithoutAWrapIsRefusedWithTheConsentedScopes() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let id = try await t.ingest([1, 2, 3]).id
        do {
            _ = try await t.read(id, as: "supervisor")
            Issue.record("supervisor could read")
        } catch let error as VaultError {
            #expect(error.description == "role 'supervisor' holds no key for recording \(id) (consented scopes: care)")
        }
        let refusals = try await t.vault.catalog.auditEntries(after: 0, limit: 1000).filter { $0.draft.outcome == "refused" }
        #expect(refusals.map(\.draft.role) == ["supervisor"])
        #expect(refusals.first?.draft.target == id.description)
    }

    /// Even with the supervisor's secret key and direct access to every file, no wrap opens and
    /// no chunk can be decrypted: the refusal is cryptographic.
    @Test func aRoleWithoutAWrapCannotDecryptEvenWithTheFiles() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let id = try await t.ingest(pseudoRandomBytes(1000)).id
        let supervisor = try await t.vault.unlockRole("supervisor", passphrase: t.passphrase)
        let key = try #require(supervisor.keys.values.first)
        let db = try SQLiteConnection(path: t.catalogPath)
        let wraps = try db.query("SELECT wrapped FROM wraps WHERE recording_id = ?", [.blob(id.bytes)]) { $0.blob(0) }
        #expect(wraps.count == 2)
        for wrapped in wraps {
            #expect(throws: CryptoError.unwrapFailed) { try KeyWrap.unwrap(wrapped, recordingID: id.bytes, with: key) }
        }
        let file = t.chunkFile(id, 0)
        let sealed = try [UInt8](Data(contentsOf: file))
        #expect(!sealed.containsSubsequence(pseudoRandomBytes(1000).prefix(32)))
    }

    @Test func ingestWithoutConsentIsRefusedAndLeavesNothing() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        do {
            _ = try await t.ingest([1], session: "NO-CONSENT")
            Issue.record("ingest without consent succeeded")
        } catch let error as VaultError {
            #expect(error.description.contains("session 'NO-CONSENT' has no recorded consent that covers recording"))
        }
        #expect(try await t.vault.catalog.recordings(RecordingFilter(states: Set(RecordingState.allCases))).isEmpty)
        #expect(try await t.vault.store.list(prefix: "chunks/").isEmpty)
    }

    @Test func aConsentedScopeWhoseRoleHasNoKeyIsRefused() async throws {
        let t = try await TestVault.make(roles: ["clinician", "records-officer"], scopes: ["care", "training"])
        defer { t.remove() }
        await expectVaultError(.scopeRoleMissing) { try await t.ingest([1]) }
    }

    @Test func theWrongPassphraseUnlocksNothing() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let wrong = try SecureBytes(copying: Array("not it".utf8))
        do {
            _ = try await t.vault.unlockRole("clinician", passphrase: wrong)
            Issue.record("unlocked")
        } catch {
            #expect(error.description == "wrong passphrase for role 'clinician'")
        }
        await expectVaultError(.wrongPassphrase) {
            try await t.vault.recordConsent(ConsentRequest(session: "S2", patientIdentifier: "1", scopes: ["care"]), vaultPassphrase: wrong, by: .unproven("test"))
        }
    }

    @Test func anUnknownRoleIsNamedWithTheKnownOnes() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let id = try await t.ingest([1]).id
        do {
            _ = try await t.vault.requireWrap(id, role: "janitor", actor: "t")
            Issue.record("no error")
        } catch {
            #expect(error.description == "unknown role 'janitor' (known roles: clinician, records-officer, supervisor)")
        }
    }

    @Test func aCorruptKeyringFileIsAClearErrorAndChangesNothing() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let id = try await t.ingest([5, 6]).id
        let role = try #require(try await t.vault.catalog.role(named: "clinician"))
        let file = t.root.appendingPathComponent("keyring/roles/clinician/\(role.keyID).json")
        let original = try Data(contentsOf: file)
        try Data("{\"format\": 1, \"role\": \"clinician\"".utf8).write(to: file)
        do {
            _ = try await t.vault.unlockRole("clinician", passphrase: t.passphrase)
            Issue.record("unlocked a corrupt keyring")
        } catch {
            #expect(error.description.contains("keyring file"))
            #expect(error.description.contains("corrupt"))
        }
        try original.write(to: file)
        #expect(try await t.read(id) == [5, 6])
    }

    @Test func unreadableInputIsAClearError() async throws {
        await expectVaultError(.input) { try FileChunkReader(path: "/nonexistent/recording.webm") }
        await expectVaultError(.input) { try FileChunkReader(path: "/tmp") }
    }

    @Test func patientIdentifiersAreNeverStoredInClear() async throws {
        let t = try await TestVault.make(patient: "943 476 5919")
        defer { t.remove() }
        _ = try await t.ingest([1])
        let catalog = try Data(contentsOf: URL(fileURLWithPath: t.catalogPath))
        #expect(catalog.range(of: Data("9434765919".utf8)) == nil)
        #expect(catalog.range(of: Data("943 476 5919".utf8)) == nil)
        let pseudonym = try await t.vault.pseudonym(ofPatient: "943-476-5919", vaultPassphrase: t.passphrase)
        #expect(try await t.vault.catalog.recordings(RecordingFilter(patient: pseudonym)).count == 1)
    }

    @Test func rotationRewrapsWithoutReencryptingAndRetiresTheOldKey() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(2 * TestVault.chunkSize + 5)
        let id = try await t.ingest(input).id
        let chunkBefore = try Data(contentsOf: t.chunkFile(id, 0))
        let oldKey = try #require(try await t.vault.catalog.role(named: "clinician")).keyID
        let summary = try await t.vault.rotateRole("clinician", passphrase: t.passphrase, by: .unproven("test"))
        #expect(summary.rewrapped == 1)
        #expect(summary.retiredKeyIDs == [oldKey])
        #expect(summary.newKeyID != oldKey)
        #expect(try Data(contentsOf: t.chunkFile(id, 0)) == chunkBefore)
        #expect(t.vault.keyring.roleKeyIDs(role: "clinician") == [summary.newKeyID])
        #expect(try await t.read(id) == input)
        // New ingests use the new key.
        let second = try await t.ingest([9]).id
        #expect(try await t.vault.catalog.wrap(of: second, role: "clinician")?.keyID == summary.newKeyID)
    }

    @Test func anInterruptedRotationIsFinishedByTheNextOne() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let a = try await t.ingest([1]).id
        let b = try await t.ingest([2]).id
        // Simulate a crash after the new key became current but before any wrap was re-wrapped.
        let newKey = try RoleKeyPair.generate()
        try t.vault.keyring.storeRoleKey(role: "clinician", keyPair: newKey, passphrase: t.passphrase, strength: .interactive, now: Date())
        try await t.vault.catalog.setRoleKey("clinician", publicKey: newKey.publicKey.bytes, keyID: newKey.publicKey.keyID,
                                             audit: AuditDraft(actor: "t", action: .roleRotateBegin))
        #expect(try await t.read(a) == [1])
        let summary = try await t.vault.rotateRole("clinician", passphrase: t.passphrase, by: .unproven("test"))
        #expect(summary.newKeyID == newKey.publicKey.keyID)
        #expect(summary.rewrapped == 2)
        #expect(try await t.read(a) == [1])
        #expect(try await t.read(b) == [2])
        #expect(try await t.vault.catalog.keyIDsInUse(role: "clinician") == [newKey.publicKey.keyID])
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: some Collection<UInt8>) -> Bool {
        let n = Array(needle)
        guard !n.isEmpty, n.count <= count else { return false }
        return (0...(count - n.count)).contains { self[$0..<($0 + n.count)].elementsEqual(n) }
    }
}
