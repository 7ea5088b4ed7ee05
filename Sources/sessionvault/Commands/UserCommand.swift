import ArgumentParser
import Foundation
import SessionVault
import VaultCrypto

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage the users of the HTTP service and their access tokens.",
        subcommands: [Add.self, List.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user; prints their access token once (only its hash is stored).",
            discussion: """
                --patient takes patient identifiers (e.g. NHS numbers) for the care list; they are turned into pseudonyms with the
                vault passphrase (--passphrase-file or $SESSIONVAULT_PASSPHRASE) and never stored in clear.
                """)

        @OptionGroup var vault: VaultOptions
        @OptionGroup var passphrase: PassphraseOptions
        @Argument(help: "The user's name (lowercase letters, digits, '-'), recorded in the audit trail.") var name: String
        @Option(help: "The role whose key the service uses for this user, e.g. clinician.") var role: String
        @Option(name: .customLong("patient"), help: ArgumentHelp("A patient on the user's care list (repeatable; visible in `ps`: prefer --patient-file).",
                                                                  valueName: "P"))
        var patients: [String] = []
        @OptionGroup var patientFile: PatientFileOption
        @Flag(help: ArgumentHelp("Make the user an officer: a signing key sealed under their own passphrase (--new-officer-passphrase-file, else $SESSIONVAULT_NEW_OFFICER_PASSPHRASE, else $SESSIONVAULT_PASSPHRASE)."))
        var officerKey = false
        @Option(help: ArgumentHelp("The new officer's passphrase file.", valueName: "FILE")) var newOfficerPassphraseFile: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let actor = try await officer.actor(opened, for: .manageUsers)
                    var officerSecret: SecureBytes? = nil
                    if officerKey {
                        if let newOfficerPassphraseFile {
                            officerSecret = try PassphraseSource.file(newOfficerPassphraseFile).read(purpose: "seal the new officer's key")
                        } else if let value = ProcessInfo.processInfo.environment["SESSIONVAULT_NEW_OFFICER_PASSPHRASE"], !value.isEmpty {
                            officerSecret = try SecureBytes(copying: Array(value.utf8))
                        } else {
                            officerSecret = try PassphraseSource.environment.read(purpose: "seal the new officer's key")
                        }
                    }
                    let patients = try patientFile.identifiers(flag: self.patients) ?? []
                    var pseudonyms: [String] = []
                    if !patients.isEmpty {
                        let secret = try passphrase.read(purpose: "compute patient pseudonyms (vault passphrase)")
                        pseudonyms = try patients.map { try opened.pseudonym(ofPatient: $0, vaultPassphrase: secret) }
                    }
                    let added = try await opened.addUser(name: name, role: role, patientPseudonyms: pseudonyms, officerPassphrase: officerSecret, actor: actor)
                    if json {
                        try printJSON(["name": name, "role": role, "token": added.token, "patients": String(added.record.patients.count)])
                    } else {
                        note("Added user '\(name)' (role \(role), \(added.record.patients.count) patient(s) on the care list"
                             + (officerKey ? "; an officer: privileged acts need --officer \(name) and their passphrase" : "") + ").")
                        note("Their access token, shown only this once:")
                        print(added.token)
                    }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List users (never tokens).")
        @OptionGroup var vault: VaultOptions
        @Flag(help: "Print JSON.") var json = false

        struct Row: Encodable {
            var name: String
            var role: String
            var patients: Int
            var createdAt: Date
            var revokedAt: Date?
        }

        func run() async throws {
            try await reportingErrors {
                let users = try await vault.withVault { try await $0.users() }
                let rows = users.map { Row(name: $0.name, role: $0.role, patients: $0.patients.count, createdAt: $0.createdAt, revokedAt: $0.revokedAt) }
                if json { return try printJSON(rows) }
                let formatter = ISO8601DateFormatter()
                for row in rows {
                    let state = row.revokedAt.map { "revoked " + formatter.string(from: $0) } ?? "active"
                    print("\(row.name)\t\(row.role)\t\(row.patients) patient(s)\t\(state)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a user's token; their next request is refused.")
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The user's name.") var name: String
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    try await opened.revokeUser(name: name, actor: try await officer.actor(opened, for: .manageUsers))
                    print("Revoked user '\(name)'.")
                }
            }
        }
    }
}
