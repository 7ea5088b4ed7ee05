import ArgumentParser
import Foundation
import SessionVault
import VaultCrypto

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage the users of the HTTP service and their access tokens.",
        subcommands: [Add.self, List.self, Revoke.self, Endorse.self, Anchor.self, PseudonymKey.self])

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
                    let authority = try await officer.authority(opened, for: .manageUsers)
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
                        var secret: SecureBytes? = nil
                        for patient in patients {
                            pseudonyms.append(try await officer.pseudonym(opened, of: patient, proven: authority.officer) {
                                if let secret { return secret }
                                let read = try passphrase.read(purpose: "compute patient pseudonyms (vault passphrase)")
                                secret = read
                                return read
                            })
                        }
                    }
                    let added = try await opened.addUser(name: name, role: role, patientPseudonyms: pseudonyms, officerPassphrase: officerSecret, by: authority)
                    // The vault's first records officer takes the pseudonym key from under the vault
                    // passphrase: from now on only officers can turn an NHS number into a pseudonym.
                    var custody: [String] = []
                    if let officerSecret, authority.officer == nil, role == "records-officer", try opened.pseudonymKeyUnderVaultPassphrase() {
                        let proven = try await opened.proveOfficer(name, passphrase: officerSecret, for: .manageUsers)
                        custody = try await opened.sealPseudonymKeyToOfficers(
                            vaultPassphrase: try passphrase.read(purpose: "hand the pseudonym key to the first records officer (vault passphrase)"),
                            by: .officer(proven))
                    }
                    if json {
                        try printJSON(["name": name, "role": role, "token": added.token, "patients": String(added.record.patients.count)])
                    } else {
                        note("Added user '\(name)' (role \(role), \(added.record.patients.count) patient(s) on the care list"
                             + (officerKey ? "; an officer: privileged acts need --officer \(name) and their passphrase" : "") + ").")
                        if officerKey, authority.officer == nil, let anchor = try opened.officerAnchor(), anchor == added.record.signingKey {
                            note("'\(name)' is this vault's first officer and its officer anchor: \(Hex.encode(anchor))")
                            note("Pin it outside the vault for the sweeper and the service (SESSIONVAULT_OFFICER_ANCHOR or --officer-anchor).")
                        }
                        if !custody.isEmpty {
                            note("The pseudonym key is now sealed to \(custody.joined(separator: ", ")), not to the vault passphrase: "
                                 + "identifying patients (consent, care lists, holds, subject access) needs an officer from now on.")
                        }
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
                    try await opened.revokeUser(name: name, by: try await officer.authority(opened, for: .manageUsers))
                    print("Revoked user '\(name)'.")
                }
            }
        }
    }

    struct Endorse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign an officer's enrolment as the proving officer.",
            discussion: """
                Officers are trusted only along a chain of signed enrolments back to the vault's officer anchor (its first officer).
                Endorse an officer whose chain broke (the officer who enrolled them was revoked) or who was enrolled before
                enrolments were signed.
                """)
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The officer's user name.") var name: String
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let proven = try await officer.require(opened, for: .manageUsers)
                    try await opened.endorseOfficer(name, by: .officer(proven))
                    print("Officer '\(name)' endorsed by \(proven.actor).")
                }
            }
        }
    }

    struct Anchor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the vault's officer anchor, or (--adopt) make the proving records officer the anchor.",
            discussion: """
                --adopt is for a vault whose officers were enrolled before enrolments were signed, or whose anchor was revoked;
                it is refused while another active officer is the anchor. Pin the anchor it prints outside the vault's files.
                """)
        @OptionGroup var vault: VaultOptions
        @Flag(help: "Make the proving officer (--officer) the vault's officer anchor.") var adopt = false
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    if adopt {
                        let proven = try await officer.require(opened, for: .manageUsers)
                        let anchor = try await opened.adoptOfficerAnchor(by: .officer(proven))
                        note("\(proven.actor) is now the vault's officer anchor; endorse the other officers with `sessionvault user endorse NAME`.")
                        print(Hex.encode(anchor))
                    } else if let anchor = try opened.officerAnchor() {
                        print(Hex.encode(anchor))
                    } else {
                        throw VaultError.invalidArgument("this vault has no officer anchor yet (its first officer becomes it; or `user anchor --adopt`)")
                    }
                }
            }
        }
    }

    struct PseudonymKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pseudonym-key",
            abstract: "Seal the pseudonym key to every officer without a copy, and remove its vault-passphrase copy.",
            discussion: """
                Whoever holds the pseudonym key can re-identify every patient (NHS numbers are a ten-digit space). A vault's first
                records officer takes it from under the vault passphrase when they are added; run this for a vault whose officers
                were made before that, or to give a copy to officers added by someone who held none. The proving officer's own
                copy is used, else the vault passphrase while the key is still under it.
                """)
        @OptionGroup var vault: VaultOptions
        @OptionGroup var passphrase: PassphraseOptions
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let proven = try await officer.require(opened, for: .manageUsers)
                    let secret = try opened.pseudonymKeyUnderVaultPassphrase()
                        ? try passphrase.read(purpose: "open the pseudonym key (vault passphrase)") : nil
                    let given = try await opened.sealPseudonymKeyToOfficers(vaultPassphrase: secret, by: .officer(proven))
                    print(given.isEmpty ? "Every officer already holds the pseudonym key." : "Sealed the pseudonym key to \(given.joined(separator: ", ")).")
                    if secret != nil { print("The vault passphrase no longer opens the pseudonym key.") }
                }
            }
        }
    }
}
