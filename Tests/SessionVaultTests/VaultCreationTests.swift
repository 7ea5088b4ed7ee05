import TestSupport
import Foundation
import SessionVault
import Testing

/// Creating a vault is audited as the actor its caller names, like every other act: the library
/// reads no user name from the environment, and the CLI names the shell user (`cli:$USER`).
@Suite("Vault creation", .timeLimit(.minutes(10)))
struct VaultCreationTests {
    @Test func creatingAVaultIsAuditedAsTheActorItsCallerNames() async throws {
        let t = try await TestVault.make(roles: [], scopes: [])
        defer { t.remove() }
        let entries = try await t.vault.catalog.auditEntries(after: 0, limit: 10)
        let made = entries.filter { $0.draft.action == AuditAction.vaultInit.rawValue || $0.draft.action == AuditAction.scheduleAdopt.rawValue }
        #expect(made.count == 2 && made.allSatisfy { $0.draft.actor == "test" }, "\(made.map(\.draft))")
    }

    @Test func theCommandLineCreatesAVaultAsTheShellUser() async throws {
        let cli = CLI(extra: ["USER": "alice", "LOGNAME": "someone-else"])
        defer { cli.remove() }
        try await cli.expectOK(["init", "--chunk-size", "64KiB"])
        let vault = try await Vault.open(at: VaultLayout(root: cli.vault))
        let entries = try await vault.catalog.auditEntries(after: 0, limit: 10)
        await vault.close()
        let made = try #require(entries.first { $0.draft.action == AuditAction.vaultInit.rawValue })
        #expect(made.draft.actor == "cli:alice")
    }
}
