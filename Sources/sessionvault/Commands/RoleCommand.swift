import ArgumentParser
import Foundation
import SessionVault

struct RoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "role",
        abstract: "Manage roles and their key pairs.",
        subcommands: [Add.self, Rotate.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a role with a new X25519 key pair; its secret key is sealed under the passphrase.")

        @OptionGroup var vault: VaultOptions
        @OptionGroup var passphrase: PassphraseOptions
        @Argument(help: "The role's name, e.g. clinician, supervisor, trainer, records-officer.") var name: String
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let authority = try await officer.authority(opened, for: .manageRoles)
                    let secret = try passphrase.read(purpose: "protect role '\(name)'s secret key")
                    let key = try await opened.addRole(name, passphrase: secret, by: authority)
                    print("Added role '\(name)' (key \(key.keyID))")
                }
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a role a new key pair and re-wrap every data key it holds (no chunk is re-encrypted).",
            discussion: "Safe to interrupt: running it again finishes an interrupted rotation.")

        @OptionGroup var vault: VaultOptions
        @OptionGroup var passphrase: PassphraseOptions
        @Flag(help: "Print the result as JSON.") var json = false
        @Argument(help: "The role to rotate.") var name: String
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let authority = try await officer.authority(opened, for: .manageRoles)
                    let secret = try passphrase.read(purpose: "unlock role '\(name)'")
                    let summary = try await opened.rotateRole(name, passphrase: secret, by: authority)
                    if json {
                        try printJSON(summary)
                    } else {
                        print("Rotated role '\(name)' to key \(summary.newKeyID): \(summary.rewrapped) wraps re-wrapped"
                              + (summary.retiredKeyIDs.isEmpty ? "" : ", retired \(summary.retiredKeyIDs.joined(separator: ", "))"))
                    }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List roles and their current key ids.")

        @OptionGroup var vault: VaultOptions
        @Flag(help: "Print JSON.") var json = false

        struct Row: Encodable { var name: String; var keyID: String; var createdAt: Date; var scopes: [String] }

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let rows = try await opened.roles().map { role in
                        Row(name: role.name, keyID: role.keyID, createdAt: role.createdAt,
                            scopes: opened.config.scopes.filter { $0.value.contains(role.name) }.keys.sorted()
                                + (opened.config.alwaysWrap.contains(role.name) ? ["(every recording)"] : []))
                    }
                    if json { try printJSON(rows); return }
                    for row in rows {
                        print("\(row.name.padding(toLength: 18, withPad: " ", startingAt: 0)) key \(row.keyID)  scopes: \(row.scopes.joined(separator: ", "))")
                    }
                }
            }
        }
    }
}
