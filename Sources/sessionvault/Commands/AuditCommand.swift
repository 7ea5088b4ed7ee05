import ArgumentParser
import Foundation
import SessionVault
import VaultIndex

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The tamper-evident audit trail: list it, verify it, sign checkpoints.",
        subcommands: [List.self, Verify.self, Checkpoint.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "List audit entries, optionally for a recording, a patient, an actor or since a date.",
            discussion: "--patient needs the vault passphrase (to compute the patient's pseudonym).")

        @OptionGroup var vault: VaultOptions
        @OptionGroup var passphrase: PassphraseOptions
        @Option(help: "Only entries about this recording.") var recording: String?
        @Option(help: "Only entries about this patient's recordings (identifier).") var patient: String?
        @Option(help: "Only entries by this actor (e.g. cli:alice, sweeper).") var actor: String?
        @Option(help: ArgumentHelp("Only entries on or after this date.", valueName: "YYYY-MM-DD")) var since: String?
        @Flag(help: "Print JSON.") var json = false

        struct Row: Encodable {
            var sequence: Int64
            var time: Date
            var actor: String
            var role: String?
            var action: String
            var target: String?
            var purpose: String?
            var outcome: String
            var detail: String?
            var hash: String
        }

        func run() async throws {
            try await reportingErrors {
                let opened = try await vault.open()
                var id: RecordingID? = nil
                if let recording {
                    guard let parsed = RecordingID(recording) else { throw VaultError.recordingNotFound(recording) }
                    id = parsed
                }
                let pseudonym = try patient.map { try opened.pseudonym(ofPatient: $0, vaultPassphrase: try passphrase.read(purpose: "look up the patient")) }
                let sinceDate = try since.map { (text) throws -> Date in
                    guard let date = ISO8601DateFormatter.civil.date(from: text) else { throw VaultError.invalidArgument("invalid --since '\(text)'") }
                    return date
                }
                let entries = try await opened.auditLog(recording: id, patientPseudonym: pseudonym, actor: actor, since: sinceDate)
                let rows = entries.map { e in
                    Row(sequence: e.sequence, time: e.time, actor: e.draft.actor, role: e.draft.role, action: e.draft.action, target: e.draft.target,
                        purpose: e.draft.purpose, outcome: e.draft.outcome, detail: e.draft.detail, hash: e.hash.map { String(format: "%02x", $0) }.joined())
                }
                if json { try printJSON(rows); return }
                if rows.isEmpty { print("No audit entries match."); return }
                let formatter = ISO8601DateFormatter()
                printTable(header: ["SEQ", "TIME (UTC)", "ACTOR", "ROLE", "ACTION", "TARGET", "OUTCOME", "DETAIL"], rows: rows.map { r in
                    [String(r.sequence), formatter.string(from: r.time), r.actor, r.role ?? "-", r.action, r.target ?? "-", r.outcome, r.detail ?? ""]
                })
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the hash chain and every signed checkpoint; report the first entry where it breaks.",
            discussion: "Exit code 4 if the trail was edited, truncated, or a checkpoint does not verify. Needs no passphrase.")

        @OptionGroup var vault: VaultOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let result = try await vault.open().verifyAudit()
                if json {
                    try printJSON(result)
                } else if let first = result.firstBroken {
                    print("audit trail BROKEN: first problem at entry \(first.sequence): \(first.problem)")
                    for problem in result.problems.sorted(by: { $0.sequence < $1.sequence }).dropFirst() {
                        print("  entry \(problem.sequence): \(problem.problem)")
                    }
                } else {
                    print("audit trail intact: \(result.entries) entries, \(result.checkpoints) signed checkpoints"
                          + (result.lastCheckpoint.map { " (last at entry \($0))" } ?? ""))
                }
                if !result.problems.isEmpty { throw ExitCode(ExitStatus.integrity) }
            }
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign the current head of the audit chain with the vault key (run it at intervals, e.g. hourly from cron).",
            discussion: "Appends the checkpoint to audit-checkpoints.jsonl in the vault directory: ship that file elsewhere.")

        @OptionGroup var vault: VaultOptions
        @OptionGroup var passphrase: PassphraseOptions

        func run() async throws {
            try await reportingErrors {
                let opened = try await vault.open()
                guard let checkpoint = try await opened.checkpointAudit(vaultPassphrase: try passphrase.read(purpose: "sign an audit checkpoint"),
                                                                        reason: "manual") else {
                    print("The audit trail is empty; nothing to sign.")
                    return
                }
                print("Signed checkpoint at entry \(checkpoint.sequence)")
            }
        }
    }
}
