import Foundation
import Testing
@_spi(Benchmarks) @testable import SessionVault
import VaultCrypto
import VaultIndex

/// Re-identification needs the right person. The attack: the pseudonym key was sealed under the
/// vault passphrase that operators hold, and NHS numbers are a ten-digit space, so anyone with that
/// passphrase could compute every patient's pseudonym and match the catalog's rows to people.
@Suite("Pseudonym key custody: officers, not the vault passphrase", .serialized, .timeLimit(.minutes(20)))
struct PseudonymCustodyTests {
    @Test(arguments: CatalogBackend.available)
    func onceOfficersHoldThePseudonymKeyTheVaultPassphraseNoLongerReidentifiesAPatient(backend: CatalogBackend) async throws {
        let v = try await BackendVault.make(backend, roles: ["clinician", "records-officer", "supervisor"], scopes: ["care"])
        let t = v.t
        let stored = try #require(try await t.vault.catalog.consents(session: "S1").first?.patient)
        // Before: whoever has the vault passphrase computes the pseudonym of any NHS number.
        #expect(try await t.vault.pseudonym(ofPatient: "9434765919", vaultPassphrase: t.passphrase) == stored)

        let rita = try await t.officer("rita", for: .manageUsers)
        let given = try await t.vault.sealPseudonymKeyToOfficers(vaultPassphrase: t.passphrase, by: .officer(rita))
        #expect(given == ["rita"])

        // After: the vault passphrase opens no pseudonym key, in the library or in the keyring file.
        #expect(try t.vault.keyring.unlockVaultSecrets(passphrase: t.passphrase).pseudonymKey == nil)
        let secretsFile = try String(contentsOf: t.vault.keyring.directory.appendingPathComponent("vault-secrets.json"), encoding: .utf8)
        #expect(!secretsFile.contains("pseudonymKey"), "the passphrase-sealed copy is gone from the file")
        do {
            _ = try await t.vault.pseudonym(ofPatient: "9434765919", vaultPassphrase: t.passphrase)
            Issue.record("the vault passphrase still re-identifies patients")
        } catch {
            #expect(error.code == .pseudonymKeyWithheld, "\(error)")
        }
        // The officer computes the same pseudonym from their own copy, in memory.
        #expect(try await t.vault.pseudonym(ofPatient: "943 476 5919", officer: rita, vaultPassphrase: nil) == stored)
        // An officer rita adds gets a copy; consent recorded by them still finds the patient.
        let carol = try await t.officer("carol", role: "clinician", for: .consent)
        #expect(try await t.vault.pseudonym(ofPatient: "9434765919", officer: carol, vaultPassphrase: nil) == stored)
        try await t.vault.recordConsent(ConsentRequest(session: "S2", patientIdentifier: "9434765919", scopes: ["care"]),
                                        vaultPassphrase: t.passphrase, by: .officer(carol))
        #expect(try await t.vault.catalog.consents(session: "S2").first?.patient == stored)
        // Operators still ingest and list without any officer.
        let summary = try await t.ingest([1, 2, 3], session: "S2")
        #expect(try await t.vault.recordings(matching: RecordingFilter()).contains { $0.id == summary.id })
        // A revoked officer's copy goes.
        try await t.vault.revokeUser(name: "carol", by: .officer(try await t.vault.proveOfficer("rita", passphrase: t.passphrase, for: .manageUsers)))
        #expect(!FileManager.default.fileExists(atPath: t.vault.keyring.pseudonymKeyFile(officer: "carol").path))
        await v.remove()
    }

    /// Revocation that holds for backups too. The attack: an officer is revoked, but kept their
    /// officer key and passphrase, and a keyring backup taken before the revocation holds their copy
    /// of the pseudonym key. With copies sealed only to the officer, that backup re-identified every
    /// patient forever; sealed under a leaf of the erasure tree, the copy dies with the leaf.
    @Test(arguments: CatalogBackend.available)
    func aRevokedOfficersCopyInAKeyringBackupNoLongerOpens(backend: CatalogBackend) async throws {
        let v = try await BackendVault.make(backend, roles: ["clinician", "records-officer", "supervisor"], scopes: ["care"])
        let t = v.t
        let stored = try #require(try await t.vault.catalog.consents(session: "S1").first?.patient)
        let rita = try await t.officer("rita", for: .manageUsers)
        try await t.vault.sealPseudonymKeyToOfficers(vaultPassphrase: t.passphrase, by: .officer(rita))
        _ = try await t.officer("carol", role: "clinician", for: .consent)
        let backup = Array(try Data(contentsOf: t.vault.keyring.pseudonymKeyFile(officer: "carol")))
        let carolsKey = try t.vault.keyring.unlockSigningKey(.officer, name: "carol", passphrase: t.passphrase)
        // What carol can do with the backup, her own key and whatever the vault's erasure tree still opens.
        func recovered() async -> PseudonymKey? {
            var inner = backup
            if let leaf = TreeWrap.leaf(of: backup) {
                guard let key = try? await t.vault.erasure?.leafKey(leaf),
                      let opened = try? TreeWrap.open(backup, leafKey: key, recordingID: Vault.pseudonymCopyContext, role: Vault.pseudonymCopyRole("carol"))
                else { return nil }
                inner = opened
            }
            return try? PseudonymKey(bytes: try SealedBox.open(inner, with: try carolsKey.boxKeyPair()))
        }
        #expect(await recovered()?.pseudonym(of: "9434765919") == stored, "before the revocation the copy opens")
        try await t.vault.revokeUser(name: "carol", by: .officer(rita))
        #expect(await recovered() == nil, "the revoked officer's copy in a keyring backup still yields the pseudonym key")
        // Rita's own copy is untouched, and a sweep of unreferenced leaves keeps it.
        _ = try await t.vault.eraseUnreferencedLeaves(grace: 0)
        #expect(try await t.vault.pseudonym(ofPatient: "9434765919", officer: rita, vaultPassphrase: nil) == stored)
        await v.remove()
    }

    @Test func theCommandLinesFirstRecordsOfficerTakesThePseudonymKeyFromTheVaultPassphrase() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let secrets = try String(contentsOf: cli.vault.appendingPathComponent("keyring/vault-secrets.json"), encoding: .utf8)
        #expect(!secrets.contains("pseudonymKey"))
        // Without an officer, a lookup by NHS number is refused; rita's works.
        let anyone = cli.with(["SESSIONVAULT_OFFICER": ""])
        let refused = try await anyone.run(["ls", "--patient", "9434765919"])
        #expect(refused.status != 0 && refused.stderr.contains("pseudonym key"), "\(refused.stderr)")
        try await cli.expectOK(["ls", "--patient", "9434765919"])
    }
}
