import ArgumentParser
import Foundation
import Retention
import SessionVault
import VaultCrypto

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The tamper-evident audit trail: list it, verify it, sign checkpoints.",
        subcommands: [List.self, Verify.self, Checkpoint.self, Signer.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "List audit entries, optionally for a recording, a patient, an actor or since a date.",
            discussion: "--patient needs the vault passphrase (to compute the patient's pseudonym).")

        @OptionGroup var vault: VaultOptions
        @OptionGroup var passphrase: PassphraseOptions
        @Option(help: ArgumentHelp("Only entries about this recording.", valueName: "UUID")) var recording: RecordingID?
        @Option(help: "Only entries about this patient's recordings (identifier; visible in `ps`: prefer --patient-file).") var patient: String?
        @OptionGroup var patientFile: PatientFileOption
        @OptionGroup var officer: OfficerOptions
        @Option(help: "Only entries by this actor (e.g. cli:alice, sweeper).") var actor: String?
        @Option(help: ArgumentHelp("Only entries on or after this date.", valueName: "YYYY-MM-DD")) var since: CivilDate?
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
                try await vault.withVault { opened in
                    var pseudonym: String? = nil
                    if let identifier = try patientFile.identifier(flag: self.patient) {
                        pseudonym = try await officer.pseudonym(opened, of: identifier) { try passphrase.read(purpose: "look up the patient") }
                    }
                    let entries = try await opened.auditLog(recording: recording, patientPseudonym: pseudonym, actor: actor,
                                                            since: since?.startOfDayUTC)
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
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the hash chain and every signed checkpoint; report the first entry where it breaks.",
            discussion: """
                Exit code 4 if the trail was edited, truncated past a checkpoint, a checkpoint does not verify, or (with \
                --max-age) entries stayed unsigned for longer than the bound. Needs no passphrase. For a verification an \
                insider who can rewrite the vault cannot defeat, give the signers' public keys and the published checkpoint \
                files from outside it: --public-key HEX (repeatable) and --published FILE (repeatable; syslog output is read too).
                """)

        @OptionGroup var vault: VaultOptions
        @Option(help: ArgumentHelp("A public key checkpoints may be signed with, from outside the vault (64 hex digits; repeatable).", valueName: "HEX"))
        var publicKey: [String] = []
        @Option(help: ArgumentHelp("Checkpoints published outside the vault: a file, or the s3:// sink's URL (repeatable).", valueName: "FILE|URL"))
        var published: [String] = []
        @Option(help: ArgumentHelp("Report entries left without a checkpoint for longer than this: e.g. 15m.", valueName: "DURATION"))
        var maxAge: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            for key in publicKey where key.count != 64 || Hex.decode(key) == nil {
                throw ValidationError("invalid --public-key '\(key.prefix(80))': expected 64 hex digits (as `audit signer add` printed)")
            }
            if let maxAge, SweeperCommand.parseDuration(maxAge) == nil { throw ValidationError("invalid --max-age '\(maxAge)': use e.g. 15m, 1h") }
        }

        func run() async throws {
            try await reportingErrors {
                let keys = publicKey.isEmpty ? nil : publicKey.compactMap(Hex.decode)
                let result = try await vault.withVault { opened in
                    try await opened.verifyAudit(trustedKeys: keys, published: published, maxAge: maxAge.flatMap(SweeperCommand.parseDuration))
                }
                if result.keysFromVault && !json {
                    note("sessionvault: note: checkpoint keys were read from the vault itself; pass --public-key from outside it for a check an insider cannot defeat")
                }
                if json {
                    try printJSON(result)
                } else if let first = result.firstBroken {
                    print("audit trail BROKEN: first problem at entry \(first.sequence): \(first.problem)")
                    for problem in result.problems.sorted(by: { $0.sequence < $1.sequence }).dropFirst() {
                        print("  entry \(problem.sequence): \(problem.problem)")
                    }
                } else {
                    print("audit trail intact: \(result.entries) entries, \(result.checkpoints) signed checkpoints"
                          + (result.lastCheckpoint.map { " (last at entry \($0))" } ?? "")
                          + (published.isEmpty ? "" : ", \(result.publishedCheckpoints) published checkpoints checked"))
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
                try await vault.withVault { opened in
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

    struct Signer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Checkpoint signers: the keys `serve` and `sweeper` sign audit checkpoints with.",
            subcommands: [Add.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Make a checkpoint signer, sealed under its own passphrase (--passphrase-file or $SESSIONVAULT_PASSPHRASE).",
                discussion: """
                    Prints the signer's public key. Keep it outside the vault (with whoever verifies the trail) and give it to \
                    `audit verify --public-key`: the copy inside the vault is only as trustworthy as the vault's files. Run the \
                    service with `serve --checkpoint-signer NAME --publish-checkpoints file:/PATH`.
                    """)

            @OptionGroup var vault: VaultOptions
            @OptionGroup var passphrase: PassphraseOptions
            @Argument(help: "The signer's name, e.g. serve-host-a or sweeper.") var name: String

            func run() async throws {
                try await reportingErrors {
                    try await vault.withVault { opened in
                        let key = try await opened.addAuditSigner(name, passphrase: try passphrase.read(purpose: "seal checkpoint signer '\(name)'"),
                                                                  actor: ShellUser.actor)
                        print(Hex.encode(key))
                    }
                }
            }
        }
    }
}
