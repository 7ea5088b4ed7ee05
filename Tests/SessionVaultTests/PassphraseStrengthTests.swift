import Foundation
import SessionVault
import Testing
import VaultCrypto

/// Issue #16: `init` sealed the vault's secrets under any passphrase ("x" included) with
/// Argon2id's cheapest cost; a copy of the keyring then falls to a dictionary in minutes. New
/// vaults default to `moderate`, and every new passphrase passes a documented floor.
@Suite("Passphrase strength", .timeLimit(.minutes(10)))
struct PassphraseStrengthTests {
    static func secret(_ text: String) throws -> SecureBytes { try SecureBytes(copying: Array(text.utf8)) }

    static func expectWeak(_ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("a weak passphrase for \(what) was accepted", sourceLocation: sourceLocation)
        } catch {
            let vaultError = VaultError(wrapping: error)
            #expect(vaultError?.code == .weakPassphrase, "\(error)", sourceLocation: sourceLocation)
            #expect(vaultError?.subject == what, "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func newVaultsDefaultToModerateArgon2id() {
        #expect(Vault.CreateOptions().kdf == .moderate)
        #expect(VaultConfig.makeDefault(vaultID: "v").kdf == .moderate)
    }

    @Test func aWeakVaultPassphraseIsRefusedBeforeAnythingIsMade() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("weak-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for weak in ["x", "short pass", "password1234", "PassWord1234", "aaaaaaaaaaaaaaaa", "123456789012", "SessionVault"] {
            await Self.expectWeak("the vault") {
                _ = try await Vault.create(at: VaultLayout(root: root), options: .init(kdf: .interactive), passphrase: try Self.secret(weak), actor: "test")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("config.toml").path))
    }

    @Test func weakRoleOfficerAndSignerPassphrasesAreRefusedAndStrongOnesInAnyScriptAccepted() async throws {
        let t = try await TestVault.make(roles: ["clinician", "records-officer"])
        defer { t.remove() }
        await Self.expectWeak("role 'supervisor'") {
            try await t.vault.addRole("supervisor", passphrase: try Self.secret("eleven char"), by: .unproven("test"))
        }
        #expect(try await t.vault.roles().contains { $0.name == "supervisor" } == false)
        await Self.expectWeak("officer 'olga'") {
            _ = try await t.vault.addUser(name: "olga", role: "records-officer", patientPseudonyms: [], officerPassphrase: try Self.secret("qwerty123456"),
                                          by: .unproven("test"))
        }
        #expect(try await t.vault.users().contains { $0.name == "olga" } == false)
        await Self.expectWeak("checkpoint signer 'sweeper'") {
            _ = try await t.vault.addAuditSigner("sweeper", passphrase: try Self.secret("passwordpassword"), actor: "test")
        }
        // Twelve characters, accents counted once each; any script.
        try await t.vault.addRole("supervisor", passphrase: try Self.secret("crème brûlée"), by: .unproven("test"))
        _ = try await t.vault.addAuditSigner("sweeper", passphrase: try Self.secret("четыре слова вместе"), actor: "test")
    }

    @Test func theCLISaysWhyAndInitDefaultsToModerate() async throws {
        let weak = CLI(passphrase: "letmein")
        defer { weak.remove() }
        let refused = try await weak.run(["init", "--kdf", "interactive"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("too weak") && refused.stderr.contains("12 characters"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: weak.vault.appendingPathComponent("config.toml").path))
        let cli = CLI()
        defer { cli.remove() }
        try await cli.expectOK(["init", "--chunk-size", "64KiB"])
        let config = try String(contentsOf: cli.vault.appendingPathComponent("config.toml"), encoding: .utf8)
        #expect(config.contains("kdf = \"moderate\""), "\(config)")
    }
}
