import ArgumentParser
import Foundation
import Logging
import Retention
import ServiceLifecycle
import SessionVault

struct PatientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patient", abstract: "Record patient events that move retention due dates.", subcommands: [Event.self])

    struct Event: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a patient's last contact, discharge, death or birth month; every due date of theirs is recomputed.",
            discussion: "Needs the vault passphrase (to compute the patient's pseudonym).")

        @OptionGroup var vault: VaultOptions
        @OptionGroup var passphrase: PassphraseOptions
        @Argument(help: "The patient's identifier (e.g. NHS number; visible in `ps`: prefer --patient-file).") var patient: String?
        @OptionGroup var patientFile: PatientFileOption
        @Option(help: ArgumentHelp("Date of the last contact.", valueName: "YYYY-MM-DD")) var lastContact: CivilDate?
        @Option(help: ArgumentHelp("Date of discharge.", valueName: "YYYY-MM-DD")) var discharged: CivilDate?
        @Option(help: ArgumentHelp("Date of death.", valueName: "YYYY-MM-DD")) var died: CivilDate?
        @Option(help: ArgumentHelp("Date or month of birth: only the month is kept, for the children's retention rule.",
                                   valueName: "YYYY-MM[-DD]")) var born: String?
        @Option(help: ArgumentHelp("Record an earlier date than the one on record (it may shorten retention): why.", valueName: "REASON"))
        var correction: String?
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let patient = try patientFile.requiredIdentifier(flag: self.patient)
                    let authority = try await officer.authority(opened, for: .patientEvent)
                    let updates = try await opened.recordPatientEvent(patient: patient, lastContact: lastContact, discharged: discharged, died: died,
                                                                      born: born, correction: correction, vaultPassphrase: try passphrase.read(purpose: "look up the patient"), by: authority)
                    print("Recorded; \(updates.count) recordings' due dates recomputed")
                    for update in updates { print("  \(update.recording): due \(update.dueOn?.description ?? "not yet determinable") (\(update.rule ?? "-"))") }
                }
            }
        }
    }
}

struct HoldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold", abstract: "Legal holds: a held recording is never destroyed, whatever is due.",
        subcommands: [Place.self, Release.self, List.self, Sync.self])

    struct Place: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hold one recording, or every recording of a patient (present and future).",
            discussion: "--patient needs the vault passphrase (to compute the patient's pseudonym).")

        @OptionGroup var vault: VaultOptions
        @OptionGroup var passphrase: PassphraseOptions
        @Option(help: ArgumentHelp("The recording to hold.", valueName: "UUID")) var recording: RecordingID?
        @Option(help: "The patient whose recordings to hold (identifier; visible in `ps`: prefer --patient-file).") var patient: String?
        @OptionGroup var patientFile: PatientFileOption
        @Option(help: "Why (litigation, inquiry, complaint...).") var reason: String
        @Option(help: "The case reference.") var ref: String
        @OptionGroup var officer: OfficerOptions

        func validate() throws {
            guard (recording == nil) != (patient == nil && patientFile.patientFile == nil) else {
                throw ValidationError("give exactly one of --recording and --patient (or --patient-file)")
            }
        }

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let patient = try patientFile.identifier(flag: self.patient)
                    let authority = try await officer.authority(opened, for: .placeHold)
                    let secret = patient == nil ? nil : try passphrase.read(purpose: "look up the patient to hold")
                    let hold = try await opened.placeHold(recording: recording, patient: patient, vaultPassphrase: secret, reason: reason, caseRef: ref,
                                                           by: authority)
                    print("Placed hold \(hold)")
                }
            }
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release a hold (its recordings follow the schedule again).")
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The hold id (from `hold ls`).") var id: Int64
        @Option(help: "Why it is released (kept in the audit trail; no patient identifiers).") var reason: String?
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    try await opened.releaseHold(id, reason: reason, by: try await officer.authority(opened, for: .releaseHold))
                    print("Released hold \(id)")
                }
            }
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the blob store's legal holds (S3 Object Lock) agree with the catalog's holds.",
            discussion: "For after a `hold place` or `hold release` that could not reach the store, or a restore. A no-op on a filesystem store.")
        @OptionGroup var vault: VaultOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let count = try await opened.syncAllLegalHolds()
                    print("Legal holds in the store match the catalog for \(count) recording(s).")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List active holds (--all for released ones too).")
        @OptionGroup var vault: VaultOptions
        @Flag(help: "Include released holds.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let holds = try await vault.withVault { try await $0.holds(includeReleased: all) }
                if json { try printJSON(holds); return }
                if holds.isEmpty { print("No holds."); return }
                printTable(header: ["ID", "ON", "REF", "REASON", "PLACED", "BY", "RELEASED"], rows: holds.map { hold in
                    [String(hold.id ?? 0), hold.recording?.description ?? "patient " + (hold.patient ?? "").prefix(12), hold.caseRef, hold.reason,
                     CivilDate(hold.placedAt).description, hold.placedBy, hold.releasedAt.map { CivilDate($0).description } ?? "-"]
                })
            }
        }
    }
}

struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Destroy what the retention schedule says is due (crypto-shredding first); queue reviews; honour holds.",
        discussion: """
            Needs no key. Safe to interrupt: the next sweep finishes any destruction it started.
            A sweep acts only as of today (the system clock): --now shows what a later day would \
            bring and is accepted with --dry-run only.
            """)

    @OptionGroup var vault: VaultOptions
    @Flag(help: "Report what is due; change nothing.") var dryRun = false
    @Option(help: ArgumentHelp("With --dry-run: report what is due as of this date instead of today.", valueName: "YYYY-MM-DD")) var now: CivilDate?
    @Flag(help: "With --dry-run: also list the recordings waiting for a patient event, oldest first.") var waiting = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if waiting && !dryRun { throw ValidationError("--waiting goes with --dry-run") }
        if now != nil {
            guard dryRun else {
                throw ValidationError("--now is for --dry-run only: a sweep that destroys acts as of today, never as of another day")
            }
        }
    }

    func run() async throws {
        try await reportingErrors {
            try await vault.withVault { opened in
                // Midday UTC of the day asked for, as the vault counts days in UTC.
                let when = now?.startOfDayUTC.addingTimeInterval(12 * 3600)
                let bar = ProgressBar(label: "sweep", total: nil)
                let report = try await opened.sweep(dryRun: dryRun, asOf: when, actor: "sweeper", progress: { bar.update(Int64($0)) })
                bar.finish()
                let waitingList = waiting ? try await opened.recordingsWaitingForEvents(limit: 20) : nil
                if json {
                    if let waitingList {
                        try printJSON(DryRunWithWaiting(sweep: report, waitingTotal: waitingList.total, waitingOldest: waitingList.oldest))
                    } else {
                        try printJSON(report)
                    }
                    return
                }
                let dueCount = report.due.reduce(0) { $0 + $1.count }
                let heldCount = report.due.reduce(0) { $0 + $1.held }
                print("Sweep as of \(report.today)\(dryRun ? " (dry run: nothing changed)" : ""): \(dueCount) recordings due, \(heldCount) of them held")
                for row in report.due {
                    print("  \(row.retentionClass.padding(toLength: 12, withPad: " ", startingAt: 0)) \(row.disposition.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(row.count) due, \(row.held) held")
                }
                if let waitingList {
                    print("\(waitingList.total) recordings wait for a patient event (no due date yet)\(waitingList.total > 0 ? "; the oldest:" : "")")
                    for item in waitingList.oldest {
                        print("  \(item.id)  captured \(item.capturedOn)  \(item.retentionClass)  patient \(item.patientPseudonym.prefix(12))  \(item.rule ?? "")")
                    }
                }
                if report.anotherSweeperActive {
                    print("Another sweeper holds the sweep lock (another process or node): nothing changed; it will do the work.")
                } else if !dryRun {
                    print("Destroyed \(report.destroyed), finished \(report.resumed) interrupted, queued \(report.queuedForReview) for review"
                          + (report.deferred.isEmpty ? "" : ", \(report.deferred.count) deferred (store lock)"))
                }
            }
        }
    }
}

/// `sweep --dry-run --waiting --json`: the sweep report and the recordings waiting for an event.
struct DryRunWithWaiting: Encodable {
    var sweep: SweepReport
    var waitingTotal: Int
    var waitingOldest: [WaitingRecording]
}

struct SweeperCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweeper",
        abstract: "Run the retention sweeper as a daemon: sweep now and every --interval; stop gracefully on SIGTERM/SIGINT.")

    @OptionGroup var vault: VaultOptions
    @Option(help: ArgumentHelp("Time between sweeps: e.g. 30s, 10m, 1h.", valueName: "DURATION")) var interval: String = "10m"
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"
    @OptionGroup var checkpoints: CheckpointOptions

    func run() async throws {
        try await reportingErrors {
            guard let seconds = Self.parseDuration(interval), seconds >= 1 else {
                throw VaultError.invalidArgument("invalid --interval '\(interval)': use e.g. 30s, 10m, 1h")
            }
            guard let level = Logger.Level(rawValue: logLevel) else { throw VaultError.invalidArgument("invalid --log-level '\(logLevel)'") }
            var logger = Logger(label: "sessionvault.sweeper") { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = level
            try await vault.withVault { opened in
                var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: SweeperService(vault: opened, interval: .seconds(seconds), logger: logger))]
                if let checkpointer = try await checkpoints.makeCheckpointer(vault: opened, layout: vault.layout, logger: logger, process: "the sweeper") {
                    services.append(.init(service: checkpointer))
                }
                // Everything secret has been read: keep it out of /proc/PID/environ and children.
                SecretEnvironment.scrub()
                let group = ServiceGroup(configuration: .init(
                    services: services,
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                try await group.run()
            }
        }
    }

    static func parseDuration(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)) { return value * factor }
        }
        return Double(text)
    }
}

struct DestroyedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroyed", abstract: "Destruction records: proof that a recording existed and was destroyed.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List destruction records (no patient identifiers).")
        @OptionGroup var vault: VaultOptions
        @Option(help: ArgumentHelp("Only those destroyed on or after this date.", valueName: "YYYY-MM-DD")) var since: CivilDate?
        @Option(help: "At most this many.") var limit: Int = 10_000
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let records = try await vault.withVault { try await $0.destructionRecords(since: since?.startOfDayUTC, limit: limit) }
                if json { try printJSON(records); return }
                if records.isEmpty { print("No destruction records."); return }
                printTable(header: ["RECORDING", "CLASS", "DUE", "AS OF", "DESTROYED (UTC)", "CHUNKS", "AUTHORISED BY", "DIGEST ROOT"], rows: records.map { r in
                    [r.recording.description, r.retentionClass, r.dueOn?.description ?? "-", r.asOf?.description ?? "-", ISO8601DateFormatter().string(from: r.destroyedAt), String(r.chunkCount),
                     r.authorisedBy, String(r.digestRoot.prefix(16))]
                })
            }
        }
    }
}

struct DispositionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disposition",
        abstract: "The review queue: recordings whose retention ended with a records officer's review.",
        subcommands: [List.self, Approve.self, Extend.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List recordings waiting for review (--all for decided ones).")
        @OptionGroup var vault: VaultOptions
        @Flag(help: "Include approved reviews.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let rows = try await vault.withVault { try await $0.dispositions(status: all ? nil : .pending) }
                if json { try printJSON(rows); return }
                if rows.isEmpty { print("No recordings waiting for review."); return }
                printTable(header: ["RECORDING", "STATUS", "DUE", "RULE"], rows: rows.map { [$0.recording.description, $0.status.rawValue, $0.dueOn.description, $0.rule ?? "-"] })
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve destruction of a reviewed recording (the next sweep destroys it).",
            discussion: "A records officer's act: --officer NAME and their passphrase. The approval is signed with the officer's key; the sweeper verifies the signature before it destroys anything.")
        @OptionGroup var vault: VaultOptions
        @Argument(help: ArgumentHelp("The recording id.", valueName: "UUID")) var id: RecordingID
        @Option(help: "A note for the record.") var reason: String?
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let proven = try await officer.require(opened, for: .approveDisposal)
                    try await opened.decideDisposition(id, approve: true, reason: reason, by: proven)
                    print("Approved destruction of \(id), signed by \(proven.actor); the next sweep destroys it")
                }
            }
        }
    }

    struct Extend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Keep a reviewed recording until a later date, with a reason.")
        @OptionGroup var vault: VaultOptions
        @Argument(help: ArgumentHelp("The recording id.", valueName: "UUID")) var id: RecordingID
        @Option(help: ArgumentHelp("The new due date.", valueName: "YYYY-MM-DD")) var until: CivilDate
        @Option(help: "Why it is kept longer.") var reason: String
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                // Refused before the officer is asked for a passphrase (the vault refuses it too).
                guard until > CivilDate(Date()) else {
                    throw VaultError.invalidArgument("--until must be a future date YYYY-MM-DD")
                }
                try await vault.withVault { opened in
                    let proven = try await officer.require(opened, for: .extendRetention)
                    try await opened.decideDisposition(id, approve: false, extendUntil: until.description, reason: reason, by: proven)
                    print("Extended \(id) until \(until)")
                }
            }
        }
    }
}
