import ArgumentParser
import Foundation
import SessionVault
import VaultCrypto
import VaultIndex

struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request", abstract: "The register of subject-access (SAR) and FOI requests, with statutory due dates.",
        subcommands: [Add.self, List.self, Close.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a request: SAR due in one calendar month (3 with --extended), FOI in 20 working days.")
        @OptionGroup var vault: VaultOptions
        @Option(name: .customLong("type"), help: "sar or foi.") var kind: String
        @Option(help: ArgumentHelp("The day the request was received.", valueName: "YYYY-MM-DD")) var received: String
        @Option(help: "Your reference (no patient identifiers).") var ref: String?
        @Flag(help: "A complex SAR extended by two months (the requester must be told within the first month).") var extended = false
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                guard let type = RequestRecord.Kind(rawValue: kind) else { throw VaultError.invalidArgument("--type must be sar or foi") }
                let opened = try await vault.open()
                let record = try await opened.addRequest(kind: type, received: received, extended: extended, reference: ref,
                                                         actor: try await officer.actor(opened, for: .requests))
                print("Registered \(type.rawValue.uppercased()) request \(record.id ?? 0): received \(record.receivedOn), due \(record.dueOn)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List open requests and what is overdue (--all for closed ones).")
        @OptionGroup var vault: VaultOptions
        @Flag(help: "Include closed requests.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let opened = try await vault.open()
                let rows = try await opened.catalog.requests(openOnly: !all)
                let today = ISO8601DateFormatter.civil.string(from: Date())
                if json { try printJSON(rows); return }
                if rows.isEmpty { print("No requests."); return }
                printTable(header: ["ID", "TYPE", "RECEIVED", "DUE", "STATUS", "REF"], rows: rows.map { r in
                    let status = r.closedOn.map { "closed \($0)" } ?? (r.dueOn < today ? "OVERDUE" : "open")
                    return [String(r.id ?? 0), r.kind.rawValue, r.receivedOn, r.dueOn, status, r.reference ?? ""]
                })
                let overdue = rows.filter { $0.closedOn == nil && $0.dueOn < today }.count
                if overdue > 0 { print("\(overdue) overdue") }
            }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark a request answered.")
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The request id.") var id: Int64
        @Option(help: ArgumentHelp("The day it was answered (default: today; not after today).", valueName: "YYYY-MM-DD")) var on: String?
        @OptionGroup var officer: OfficerOptions

        func validate() throws {
            if let on {
                guard let day = ISO8601DateFormatter.civil.date(from: on) else { throw ValidationError("invalid --on '\(on)': expected YYYY-MM-DD") }
                guard day <= Date() else { throw ValidationError("--on \(on) is after today: a request is closed once it has been answered") }
            }
        }

        func run() async throws {
            try await reportingErrors {
                let answered = on ?? ISO8601DateFormatter.civil.string(from: Date())
                let opened = try await vault.open()
                let actor = try await officer.actor(opened, for: .requests)
                try await opened.catalog.closeRequest(id, on: answered, audit: AuditDraft(actor: actor, action: "request.close", target: "request:\(id)",
                                                                                          detail: "answered \(answered)"))
                print("Closed request \(id), answered \(answered)")
            }
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Answer subject-access and FOI requests.", subcommands: [Subject.self, FOI.self])

    struct Subject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "subject",
            abstract: "Write a patient's subject-access bundle (UK GDPR Art. 15), encrypted so they open it with `age -d`.",
            discussion: """
                The bundle is an age v1 file holding a tar: every recording of the patient, index.html, and manifest.json with the
                SHA-256 of every file, the consent history, holds, destruction records and the access log. Recordings of sessions with
                other participants are listed for redaction review before release. Nothing is decrypted to disk.
                The role passphrase (--passphrase-file / $SESSIONVAULT_PASSPHRASE) unlocks the records officer; the vault passphrase
                (--vault-passphrase-file, default the same) finds the patient and signs an audit checkpoint.
                """)

        @OptionGroup var vault: VaultOptions
        @OptionGroup var passphrase: PassphraseOptions
        @Option(help: "The patient's identifier (e.g. NHS number).") var patient: String
        @Option(name: .customLong("as"), help: "The role that decrypts (the records officer holds a key for every recording).")
        var role: String = "records-officer"
        @Option(help: ArgumentHelp("The bundle to write (must not exist).", valueName: "FILE.age")) var out: String
        @Option(help: ArgumentHelp("A file holding the passphrase the patient will type at `age -d`.", valueName: "FILE"))
        var bundlePassphraseFile: String?
        @Option(help: ArgumentHelp("Encrypt to the patient's age X25519 public key instead of a passphrase.", valueName: "age1..."))
        var recipient: String?
        @Option(help: ArgumentHelp("The vault passphrase, if it differs from the role's.", valueName: "FILE")) var vaultPassphraseFile: String?
        @Flag(help: "Export a recording's stored review copy (made with `review --store`) instead of the original where one exists.")
        var reviewCopies = false
        @Flag(help: "Print a JSON summary.") var json = false
        @OptionGroup var officer: OfficerOptions

        func validate() throws {
            guard (bundlePassphraseFile == nil) != (recipient == nil) else {
                throw ValidationError("give exactly one of --bundle-passphrase-file and --recipient")
            }
        }

        func run() async throws {
            try await reportingErrors {
                let ageRecipient: AgeRecipient
                if let recipient {
                    ageRecipient = .x25519(recipient)
                } else {
                    ageRecipient = .scrypt(passphrase: try PassphraseSource.file(bundlePassphraseFile!).read(purpose: "protect the bundle"))
                }
                try ageRecipient.validate()
                let opened = try await vault.open()
                let actor = try await officer.actor(opened, for: .export)
                _ = try await opened.requireRole(role)
                let roleSecret = try passphrase.read(purpose: "unlock role '\(role)'")
                let vaultSecret = try vaultPassphraseFile.map { try PassphraseSource.file($0).read(purpose: "unlock the vault secrets") } ?? roleSecret
                let unlocked = try await opened.unlockRole(role, passphrase: roleSecret)
                let sink = try FileSink(creating: out)
                let bar = ProgressBar(label: "export", total: nil, minimum: 0)
                do {
                    let (summary, finished) = try await opened.exportSubjectAccess(patient: patient, recordsOfficer: unlocked, vaultPassphrase: vaultSecret,
                                                                                   recipient: ageRecipient, to: sink, reviewCopies: reviewCopies,
                                                                                   actor: actor, progress: { bar.update($0) })
                    try finished.commit()
                    bar.finish()
                    if json { try printJSON(summary); return }
                    print("Wrote \(out): \(summary.recordings) recordings, \(ByteCount.format(summary.bytes)) (open with: age -d -o bundle.tar \(out))")
                    if !summary.needsRedactionReview.isEmpty {
                        print("Before release, review for other participants: \(summary.needsRedactionReview.joined(separator: ", "))")
                    }
                } catch {
                    sink.abandon()
                    throw error
                }
            }
        }
    }

    struct FOI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "foi",
            abstract: "Aggregate figures for an FOI answer over a complete month, quarter, year or financial year, small counts withheld.",
            discussion: """
                Recordings made and destroyed by class, consents and withdrawals by scope, accesses and refusals by role, requests by type:
                per month, with each month's total (category 'all') and, for longer periods, totals over the period.
                CSV header: measure,category,period,count. Counts from 1 to 7 are shown as [c]; `[foi]` in config.toml chooses the
                method (suppress: secondary suppression so no withheld count can be worked out from a total; round5: others rounded
                to the nearest 5) and the threshold. Only periods that have ended are accepted (docs/OPERATIONS.md, "FOI figures").
                """)
        @OptionGroup var vault: VaultOptions
        @Option(help: ArgumentHelp("The reporting period: a month (2026-11), quarter (2026-Q3), calendar year (2026) or financial year (2026/27, April to March).",
                                   valueName: "PERIOD"))
        var period: String?
        @Option(help: ArgumentHelp("First day; only with --to, and only the first day of a month, quarter, year or financial year (prefer --period).",
                                   valueName: "YYYY-MM-DD"))
        var from: String?
        @Option(help: ArgumentHelp("Last day (inclusive); only the last day of the period that --from starts.", valueName: "YYYY-MM-DD"))
        var to: String?
        @Option(help: ArgumentHelp("Write CSV here (default: stdout).", valueName: "FILE.csv")) var out: String?
        @Flag(help: "Print JSON instead of CSV.") var json = false
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                let reportingPeriod = try ReportingPeriod.resolve(period: period, from: from, to: to)
                let opened = try await vault.open()
                let report = try await opened.foiReport(period: reportingPeriod, actor: try await officer.actor(opened, for: .export))
                if json {
                    try printJSON(report)
                } else if let out {
                    do { try Data(report.csv().utf8).write(to: URL(fileURLWithPath: out), options: .withoutOverwriting) } catch {
                        throw VaultError.output(path: out, reason: (error as NSError).localizedDescription)
                    }
                    print("Wrote \(report.figures.count) figures for \(report.period) (\(report.from) to \(report.to)) to \(out); \(opened.config.foi.summary)")
                } else {
                    print(report.csv(), terminator: "")
                }
            }
        }
    }
}
