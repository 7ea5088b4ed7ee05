import Foundation
import Testing
@testable import SessionVault
import VaultCrypto

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
        #expect(try t.vault.pseudonym(ofPatient: "9434765919", vaultPassphrase: t.passphrase) == stored)

        let rita = try await t.officer("rita", for: .manageUsers)
        let given = try await t.vault.sealPseudonymKeyToOfficers(vaultPassphrase: t.passphrase, by: .officer(rita))
        #expect(given == ["rita"])

        // After: the vault passphrase opens no pseudonym key, in the library or in the keyring file.
        #expect(try t.vault.keyring.unlockVaultSecrets(passphrase: t.passphrase).pseudonymKey == nil)
        let secretsFile = try String(contentsOf: t.vault.keyring.directory.appendingPathComponent("vault-secrets.json"), encoding: .utf8)
        #expect(!secretsFile.contains("pseudonymKey"), "the passphrase-sealed copy is gone from the file")
        do {
            _ = try t.vault.pseudonym(ofPatient: "9434765919", vaultPassphrase: t.passphrase)
            Issue.record("the vault passphrase still re-identifies patients")
        } catch {
            #expect(error.code == .pseudonymKeyWithheld, "\(error)")
        }
        // The officer computes the same pseudonym from their own copy, in memory.
        #expect(try t.vault.pseudonym(ofPatient: "943 476 5919", officer: rita, vaultPassphrase: nil) == stored)
        // An officer rita adds gets a copy; consent recorded by them still finds the patient.
        let carol = try await t.officer("carol", role: "clinician", for: .consent)
        #expect(try t.vault.pseudonym(ofPatient: "9434765919", officer: carol, vaultPassphrase: nil) == stored)
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
