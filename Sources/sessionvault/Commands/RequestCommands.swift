import ArgumentParser
import Foundation
import Retention
import SessionVault
import VaultCrypto

struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request", abstract: "The register of subject-access (SAR) and FOI requests, with statutory due dates.",
        discussion: """
            A SAR is due one calendar month after receipt (UK GDPR Art. 12(3)); FOI on the 20th working day after it (FOIA s.10). \
            `pause` stops the clock while the requester is asked for something and `resume` records the day it arrived: a SAR's \
            clarification pauses it (the days from asking to the answer do not count, Art. 12A); its identity proof or fee restarts \
            the month; an FOI clarification restarts the 20 working days (s.1(3), s.10(6)); an FOI fee pauses them (s.10(2)).
            `extend` adds two months to a SAR or 20 working days to FOI (s.10(3)), once, before the deadline.
            Every change is done by an officer and audited (request.pause, request.resume, request.extend, request.close).
            """,
        subcommands: [Add.self, List.self, Show.self, Pause.self, Resume.self, Extend.self, Close.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a request: SAR due in one calendar month (3 with --extended), FOI in 20 working days (40 with --extended).")
        @OptionGroup var vault: VaultOptions
        @Option(name: .customLong("type"), help: "sar or foi.") var kind: String
        @Option(help: ArgumentHelp("The day the request was received.", valueName: "YYYY-MM-DD")) var received: CivilDate
        @Option(help: "Your reference (no patient identifiers).") var ref: String?
        @Flag(help: "Extend at once: a complex SAR by two months (the requester must be told within the first month); FOI by 20 working days.")
        var extended = false
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                guard let type = RequestRecord.Kind(rawValue: kind) else { throw VaultError.invalidArgument("--type must be sar or foi") }
                try await vault.withVault { opened in
                    let record = try await opened.addRequest(kind: type, received: received, extended: extended, reference: ref,
                                                             by: try await officer.authority(opened, for: .requests))
                    print("Registered \(type.rawValue.uppercased()) request \(record.id ?? 0): received \(record.receivedOn), due \(record.dueOn)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "List open requests, overdue first, with the days left (--all for closed ones).")
        @OptionGroup var vault: VaultOptions
        @Flag(help: "Include closed requests.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let rows = try await opened.requestRegister(includeClosed: all)
                    if json { try printJSON(rows); return }
                    if rows.isEmpty { print("No requests."); return }
                    printTable(header: ["ID", "TYPE", "RECEIVED", "DUE", "STATUS", "EXTENDED", "REF"], rows: rows.map { r in
                        [String(r.id), r.kind.rawValue, r.receivedOn.description, r.dueOn.description, describe(r), r.extendedOn?.description ?? "",
                         r.reference ?? ""]
                    })
                    let overdue = rows.filter { $0.state == .overdue }.count
                    if overdue > 0 { print("\(overdue) overdue") }
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a request and the timeline of its clock: pauses, extension, close.")
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The request id.") var id: Int64
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let timeline = try await opened.requestTimeline(id)
                    if json { try printJSON(timeline); return }
                    let r = timeline.request
                    print("Request \(r.id) (\(r.kind.rawValue.uppercased()))\(r.reference.map { ", ref \($0)" } ?? ""): \(describe(r)), due \(r.dueOn)")
                    var rows = [[r.receivedOn.description, "received", "", "", ""]]
                    for event in timeline.events {
                        rows.append([event.on.description, event.kind.rawValue, event.reason ?? "", event.dueOn.description, event.actor])
                    }
                    printTable(header: ["DAY", "CHANGE", "REASON", "DUE AFTER", "BY"], rows: rows)
                }
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a request's clock while the requester is asked for clarification, identity proof (SAR only) or a fee.",
            discussion: """
                --on is the day the requester was asked. SAR: clarification pauses the month (asking day to answer day do not count); \
                identity or fee restarts it when they arrive. FOI: clarification restarts the 20 working days when it arrives; a fee \
                notice pauses them. Refused after the deadline.
                """)
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The request id.") var id: Int64
        @Option(help: "What the requester was asked for: clarification, identity or fee.") var reason: String
        @Option(help: ArgumentHelp("The day the requester was asked (default: today; not after today).", valueName: "YYYY-MM-DD")) var on: CivilDate?
        @OptionGroup var officer: OfficerOptions

        func validate() throws {
            guard RequestClock.StopReason(rawValue: reason) != nil else {
                throw ValidationError("--reason must be clarification, identity or fee, not '\(reason)'")
            }
        }

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let status = try await opened.pauseRequest(id, reason: RequestClock.StopReason(rawValue: reason)!, on: on,
                                                               by: try await officer.authority(opened, for: .requests))
                    print("Paused request \(id) for \(reason) on \(status.pausedOn?.description ?? "")")
                }
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a paused request's clock again: the requester supplied what they were asked for.")
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The request id.") var id: Int64
        @Option(help: ArgumentHelp("The day it arrived (default: today; not after today).", valueName: "YYYY-MM-DD")) var on: CivilDate?
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let status = try await opened.resumeRequest(id, on: on, by: try await officer.authority(opened, for: .requests))
                    print("Resumed request \(id): due \(status.dueOn)")
                }
            }
        }
    }

    struct Extend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extend a request's deadline once, before it passes: SAR by two months, FOI by 20 working days.",
            discussion: """
                SAR: UK GDPR Art. 12(3), complex or numerous requests; tell the requester why within the first month.
                FOI: s.10(3), time to consider the public interest; the ICO takes 20 further working days as the normal most.
                """)
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The request id.") var id: Int64
        @Option(help: "Why the deadline is extended, as told to the requester (no patient identifiers).") var reason: String
        @Option(help: ArgumentHelp("The day it was decided (default: today; not after today).", valueName: "YYYY-MM-DD")) var on: CivilDate?
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let status = try await opened.extendRequest(id, reason: reason, on: on, by: try await officer.authority(opened, for: .requests))
                    print("Extended request \(id): due \(status.dueOn)")
                }
            }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark a request answered (a paused one can be closed: a requester who never sent what was asked for).")
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The request id.") var id: Int64
        @Option(help: ArgumentHelp("The day it was answered (default: today; not after today, not before it was received).",
                                   valueName: "YYYY-MM-DD"))
        var on: CivilDate?
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let status = try await opened.closeRequest(id, on: on, by: try await officer.authority(opened, for: .requests))
                    print("Closed request \(id), answered \(status.closedOn?.description ?? "")")
                }
            }
        }
    }
}

/// One line for a request's state: "12 days left", "due today", "OVERDUE by 3 days", "paused (identity) since …".
private func describe(_ r: RequestStatus) -> String {
    switch r.state {
    case .overdue: return "OVERDUE by \(-(r.daysLeft ?? 0)) day\(r.daysLeft == -1 ? "" : "s")"
    case .open: return r.daysLeft == 0 ? "due today" : "\(r.daysLeft ?? 0) day\(r.daysLeft == 1 ? "" : "s") left"
    case .paused: return "paused (\(r.pauseReason?.rawValue ?? "?")) since \(r.pausedOn?.description ?? "?")"
    case .closed: return "closed \(r.closedOn?.description ?? "")"
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Answer subject-access and FOI requests.", subcommands: [Subject.self, SubjectAccessReviewCommand.self, FOI.self])

    struct Subject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "subject",
            abstract: "Write a patient's subject-access bundle (UK GDPR Art. 15), encrypted so they open it with `age -d`.",
            discussion: """
                The bundle is an age v1 file holding a tar: the patient's recordings, index.html, and manifest.json with the SHA-256 of
                every file, the consent history, holds, destruction records, the access log and the Art. 15 supplementary information
                ([subject_access] in config.toml). Nothing is decrypted to disk.

                The order a records officer follows (docs/OPERATIONS.md):
                  1. export subject --patient ID --review       draft: lists every item; other-participant recordings flagged, left out
                  2. export review include|exclude DRAFT ITEM   decide each flagged item (and exclude any other) with a reason
                  3. export review harm DRAFT ...               the health professional's serious-harm opinion (required)
                  4. export review sign-off DRAFT               sign off: refused while anything is missing
                  5. export subject --from-review DRAFT --out F  release exactly what was signed off
                Without --review/--from-review the bundle is written at once, unreviewed, only if no recording had other participants
                (otherwise refused); it then says it was not reviewed and that nothing was withheld.
                The role passphrase (--passphrase-file / $SESSIONVAULT_PASSPHRASE) unlocks the records officer; the vault passphrase
                (--vault-passphrase-file, default the same) finds the patient and signs an audit checkpoint.
                """)

        @OptionGroup var vault: VaultOptions
        @OptionGroup var passphrase: PassphraseOptions
        @Option(help: "The patient's identifier (e.g. NHS number; visible in `ps`: prefer --patient-file); with --from-review, optional (checked against the review's).")
        var patient: String?
        @OptionGroup var patientFile: PatientFileOption
        @Flag(help: "Draft a review of what the bundle would hold (stored in the catalog; nothing is decrypted or written) instead of writing it.")
        var review = false
        @Option(name: .customLong("from-review"), help: ArgumentHelp("Write the bundle of this signed-off review: exactly its included items.",
                                                                      valueName: "DRAFT"))
        var fromReview: Int64?
        @Option(name: .customLong("as"), help: "The role that decrypts (the records officer holds a key for every recording).")
        var role: String = "records-officer"
        @Option(help: ArgumentHelp("The bundle to write (must not exist).", valueName: "FILE.age")) var out: String?
        @Option(help: ArgumentHelp("A file holding the passphrase the patient will type at `age -d`.", valueName: "FILE"))
        var bundlePassphraseFile: String?
        @Option(help: ArgumentHelp("Encrypt to the patient's age X25519 public key instead of a passphrase.", valueName: "age1..."))
        var recipient: String?
        @Option(help: ArgumentHelp("The vault passphrase, if it differs from the role's.", valueName: "FILE")) var vaultPassphraseFile: String?
        @Flag(help: "Export a recording's stored review copy (made with `review --store`) instead of the original where one exists (with --review: the draft records it).")
        var reviewCopies = false
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var officer: OfficerOptions

        func validate() throws {
            let hasPatient = patient != nil || patientFile.patientFile != nil
            if review {
                guard hasPatient else { throw ValidationError("--review needs --patient (or --patient-file)") }
                guard fromReview == nil, out == nil, bundlePassphraseFile == nil, recipient == nil else {
                    throw ValidationError("--review only drafts: it takes no --from-review, --out, --recipient or --bundle-passphrase-file")
                }
                return
            }
            if fromReview != nil, reviewCopies {
                throw ValidationError("--review-copies is decided by the draft; give it with --review")
            }
            guard fromReview != nil || hasPatient else { throw ValidationError("give --patient-file or --patient (or --from-review DRAFT)") }
            guard out != nil else { throw ValidationError("--out FILE.age is required to write a bundle") }
            guard (bundlePassphraseFile == nil) != (recipient == nil) else {
                throw ValidationError("give exactly one of --bundle-passphrase-file and --recipient")
            }
        }

        func run() async throws {
            try await reportingErrors {
                let patient = try patientFile.identifier(flag: self.patient)
                if review { try await draft(patient: patient!); return }
                let out = out!
                let ageRecipient: AgeRecipient
                if let recipient {
                    ageRecipient = .x25519(recipient)
                } else {
                    ageRecipient = .scrypt(passphrase: try PassphraseSource.file(bundlePassphraseFile!).read(purpose: "protect the bundle"))
                }
                try ageRecipient.validate()
                try await vault.withVault { opened in
                    let authority = try await officer.authority(opened, for: .export)
                    _ = try await opened.requireRole(role)
                    let roleSecret = try passphrase.read(purpose: "unlock role '\(role)'")
                    let vaultSecret = try vaultPassphraseFile.map { try PassphraseSource.file($0).read(purpose: "unlock the vault secrets") } ?? roleSecret
                    let unlocked = try await opened.unlockRole(role, passphrase: roleSecret)
                    let sink = try FileSink(creating: out)
                    let bar = ProgressBar(label: "export", total: nil, minimum: 0)
                    do {
                        let result: (SubjectAccessSummary, FileSink)
                        if let fromReview {
                            result = try await opened.exportSubjectAccess(review: fromReview, patient: patient, recordsOfficer: unlocked,
                                                                                       vaultPassphrase: vaultSecret,
                                                                                       recipient: ageRecipient, to: sink, by: authority,
                                                                                       progress: { bar.update($0) })
                        } else {
                            result = try await opened.exportSubjectAccess(patient: patient!, recordsOfficer: unlocked, vaultPassphrase: vaultSecret,
                                                                                       recipient: ageRecipient, to: sink, reviewCopies: reviewCopies,
                                                                                       by: authority, progress: { bar.update($0) })
                        }
                        let (summary, finished) = result
                        try finished.commit()
                        bar.finish()
                        if json { try printJSON(summary); return }
                        print("Wrote \(out): \(summary.recordings) recordings, \(ByteCount.format(summary.bytes)) (open with: age -d -o bundle.tar \(out))")
                        if let id = summary.review {
                            print("Released signed-off review \(id); \(summary.withheld) item(s) withheld")
                        } else {
                            print("Not reviewed: every recording of the patient is in the bundle and nothing was withheld")
                        }
                    } catch {
                        sink.abandon()
                        throw error
                    }
                }
            }
        }

        private func draft(patient: String) async throws {
            try await vault.withVault { opened in
                let authority = try await officer.authority(opened, for: .export)
                let vaultSecret = try vaultPassphraseFile.map { try PassphraseSource.file($0).read(purpose: "unlock the vault secrets") }
                    ?? passphrase.read(purpose: "unlock the vault secrets")
                let draft = try await opened.draftSubjectAccessReview(patient: patient, vaultPassphrase: vaultSecret, reviewCopies: reviewCopies, by: authority)
                if json { try printJSON(draft); return }
                print("Drafted subject-access review \(draft.id ?? 0): nothing was decrypted or written.")
                SubjectAccessReviewCommand.printReview(draft)
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
        var from: CivilDate?
        @Option(help: ArgumentHelp("Last day (inclusive); only the last day of the period that --from starts.", valueName: "YYYY-MM-DD"))
        var to: CivilDate?
        @Option(help: ArgumentHelp("Write CSV here (default: stdout).", valueName: "FILE.csv")) var out: String?
        @Flag(help: "Print JSON instead of CSV.") var json = false
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                let reportingPeriod = try ReportingPeriod.resolve(period: period, from: from?.description, to: to?.description)
                try await vault.withVault { opened in
                    let report = try await opened.foiReport(period: reportingPeriod, by: try await officer.authority(opened, for: .export))
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
}
