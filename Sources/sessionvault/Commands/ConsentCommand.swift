import ArgumentParser
import Foundation
import Retention
import SessionVault

struct ConsentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "Record, renew, withdraw and list patients' consent, per session and scope.",
        subcommands: [Record.self, Renew.self, Withdraw.self, List.self])

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the scopes a patient consented to for a session (before it is ingested, or again later).",
            discussion: """
                The patient identifier (e.g. NHS number) is stored only as a keyed-hash pseudonym and a copy sealed to the \
                records officer; the vault passphrase is needed to compute the pseudonym.

                Consent recorded after the session's recordings were stored (a scope added later, or consent given again \
                after a withdrawal) gives the scope's roles access to those recordings and recomputes their due dates, in \
                one step. Re-wrapping their keys needs a role that can already open them: --unlock-role records-officer.
                """)

        @OptionGroup var vault: VaultOptions
        @OptionGroup var passphrase: PassphraseOptions
        @Option(help: "The session id.") var session: String
        @Option(help: "The patient's identifier (e.g. NHS number; visible in `ps`: prefer --patient-file).") var patient: String?
        @OptionGroup var patientFile: PatientFileOption
        @Option(name: .customLong("scope"), help: "A consented scope (repeatable): care, supervision, training, assessment, research.")
        var scopes: [String] = []
        @Option(help: "Where the consent is evidenced (form reference, note of oral consent).") var evidence: String?
        @Option(help: ArgumentHelp("The date consent was given (default: today).", valueName: "YYYY-MM-DD")) var date: CivilDate?
        @Flag(help: "Other people took part (group or family session): copies need redaction review before release.")
        var otherParticipants = false
        @Option(help: ArgumentHelp("A role that can open the session's stored recordings, to re-wrap their keys for the roles this consent allows.",
                                   valueName: "ROLE"))
        var unlockRole: String?
        @Option(help: ArgumentHelp("The --unlock-role's passphrase file (default: the vault passphrase).",
                                   valueName: "FILE"))
        var rolePassphraseFile: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let patient = try patientFile.requiredIdentifier(flag: self.patient)
                    let authority = try await officer.authority(opened, for: .consent)
                    let secret = try passphrase.read(purpose: "compute the patient's pseudonym")
                    var holder: UnlockedRole? = nil
                    if let unlockRole {
                        let roleSecret = try rolePassphraseFile.map { try PassphraseSource.file($0).read(purpose: "unlock role '\(unlockRole)'") } ?? secret
                        holder = try await opened.unlockRole(unlockRole, passphrase: roleSecret)
                    }
                    let active = try await opened.recordConsent(
                        ConsentRequest(session: session, patientIdentifier: patient, scopes: scopes, evidence: evidence, givenOn: date,
                                       otherParticipants: otherParticipants), vaultPassphrase: secret, keyHolder: holder, by: authority)
                    if json { try printJSON(active.map(ConsentView.init)); return }
                    print("Session \(session): consented scopes \(active.map(\.scope).joined(separator: ", "))")
                }
            }
        }
    }

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Renew active consent: new evidence for the same scopes; the renewed consent is kept as history.",
            discussion: """
                Due dates of the session's recordings are recomputed in the same step. Consent that was withdrawn is not \
                renewed but given again, with `consent record`.
                """)

        @OptionGroup var vault: VaultOptions
        @Option(help: "The session id.") var session: String
        @Option(name: .customLong("scope"), help: "An active scope to renew (repeatable).") var scopes: [String] = []
        @Option(help: "Where the renewed consent is evidenced (form reference, note of oral consent).") var evidence: String?
        @Option(help: ArgumentHelp("The date consent was renewed (default: today).", valueName: "YYYY-MM-DD")) var date: CivilDate?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let authority = try await officer.authority(opened, for: .consent)
                    let active = try await opened.renewConsent(session: session, scopes: scopes, evidence: evidence, givenOn: date, by: authority)
                    if json { try printJSON(active.map(ConsentView.init)); return }
                    print("Session \(session): renewed \(Set(scopes).sorted().joined(separator: ", ")); active scopes \(active.map(\.scope).joined(separator: ", "))")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "Show the consent history of a session, oldest first.",
                                                        aliases: ["show"])

        @OptionGroup var vault: VaultOptions
        @Option(help: "The session id.") var session: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let rows = try await opened.consentHistory(session: session).map(ConsentView.init)
                    if json { try printJSON(rows); return }
                    if rows.isEmpty { print("Session \(session) has no recorded consent."); return }
                    printTable(header: ["SCOPE", "GIVEN", "STATUS", "EVIDENCE", "PATIENT"], rows: rows.map { row in
                        [row.scope, row.givenOn.description, row.status, row.hasEvidence ? "yes" : "no", String(row.patient.prefix(12))]
                    })
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
    var givenOn: CivilDate
    var withdrawnOn: CivilDate?
    /// The day a renewal replaced this consent.
    var renewedOn: CivilDate?
    /// This consent renews an earlier one (rather than being given afresh).
    var isRenewal: Bool
    var active: Bool
    var hasEvidence: Bool

    init(_ record: ConsentRecord) {
        session = record.session
        patient = record.patient
        scope = record.scope
        givenOn = record.givenOn
        withdrawnOn = record.withdrawnOn
        renewedOn = record.supersededOn
        isRenewal = record.renews != nil
        active = record.isActive
        hasEvidence = record.evidenceSealed != nil
    }

    /// One word or phrase for the table.
    var status: String {
        let state = withdrawnOn.map { "withdrawn \($0)" } ?? renewedOn.map { "renewed \($0)" } ?? "active"
        return isRenewal ? state + " (renewal)" : state
    }
}
