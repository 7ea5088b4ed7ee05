import ArgumentParser
import Foundation
import SessionVault
import VaultIndex

struct ConsentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "Record and show patients' consent, per session and scope.",
        subcommands: [Record.self, Withdraw.self, Show.self])

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the scopes a patient consented to for a session (before it is ingested).",
            discussion: """
                The patient identifier (e.g. NHS number) is stored only as a keyed-hash pseudonym and a copy sealed to the
                records officer; the vault passphrase is needed to compute the pseudonym.
                """)

        @OptionGroup var vault: VaultOptions
        @OptionGroup var passphrase: PassphraseOptions
        @Option(help: "The session id.") var session: String
        @Option(help: "The patient's identifier (e.g. NHS number).") var patient: String
        @Option(name: .customLong("scope"), help: "A consented scope (repeatable): care, supervision, training, assessment, research.")
        var scopes: [String] = []
        @Option(help: "Where the consent is evidenced (form reference, note of oral consent).") var evidence: String?
        @Option(help: ArgumentHelp("The date consent was given (default: today).", valueName: "YYYY-MM-DD")) var date: String?
        @Flag(help: "Other people took part (group or family session): copies need redaction review before release.")
        var otherParticipants = false
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                let opened = try await vault.open()
                let actor = try await officer.actor(opened, for: .consent)
                let secret = try passphrase.read(purpose: "compute the patient's pseudonym")
                let active = try await opened.recordConsent(
                    ConsentRequest(session: session, patientIdentifier: patient, scopes: scopes, evidence: evidence, givenOn: date,
                                   otherParticipants: otherParticipants), vaultPassphrase: secret, actor: actor)
                if json { try printJSON(active.map(ConsentView.init)); return }
                print("Session \(session): consented scopes \(active.map(\.scope).joined(separator: ", "))")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the consent history of a session.")

        @OptionGroup var vault: VaultOptions
        @Option(help: "The session id.") var session: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let opened = try await vault.open()
                let rows = try await opened.catalog.consents(session: session).map(ConsentView.init)
                if json { try printJSON(rows); return }
                if rows.isEmpty { print("Session \(session) has no recorded consent."); return }
                for row in rows {
                    print("\(row.scope.padding(toLength: 12, withPad: " ", startingAt: 0)) given \(row.givenOn)"
                          + (row.withdrawnOn.map { "  withdrawn \($0)" } ?? "  active") + "  patient \(row.patient.prefix(12))")
                }
            }
        }
    }
}

/// Consent as shown to operators: pseudonym, never the identifier or the sealed evidence.
struct ConsentView: Encodable {
    var session: String
    var patient: String
    var scope: String
    var givenOn: String
    var withdrawnOn: String?
    var hasEvidence: Bool

    init(_ record: ConsentRecord) {
        session = record.session
        patient = record.patient
        scope = record.scope
        givenOn = record.givenOn
        withdrawnOn = record.withdrawnOn
        hasEvidence = record.evidenceSealed != nil
    }
}
