import ArgumentParser
import Foundation
import SessionVault

struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove what interrupted ingests left: abandoned staging recordings, orphan blobs, partial writes.",
        discussion: "Never removes a blob that a live recording references, nor one of an ingest whose process is still running.")

    @OptionGroup var vault: VaultOptions
    @Option(help: ArgumentHelp("Leave alone anything younger than this many seconds (an ingest on another host may still be writing).",
                               valueName: "SECONDS")) var grace: Double = 3600
    @Flag(help: "Report what would be removed, remove nothing.") var dryRun = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            try await vault.withVault { opened in
                let report = try await opened.collectGarbage(grace: grace, dryRun: dryRun, actor: ShellUser.actor)
                if json { try printJSON(report); return }
                let verb = dryRun ? "would remove" : "removed"
                print("gc \(verb): \(report.abandonedIngests.count) abandoned ingests, \(report.orphanBlobs) orphan blobs (\(ByteCount.format(report.orphanBytes))), \(report.incompleteWrites) partial writes"
                      + (report.lockedOrphans > 0 ? ", \(report.lockedOrphans) orphan blobs still locked by the store (removed by a later gc)" : ""))
            }
        }
    }
}

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Scrub stored chunks for corruption without any key (SHA-256 of every sealed chunk against the catalog).",
        discussion: """
            With --as ROLE (its passphrase), also opens each recording's authenticated manifest and checks the catalog row \
            against it (patient, session, class, sizes, capture date, source): a row edited outside the vault is reported. \
            The records officer's role opens every recording. Exit code 4 if any problem is found.
            """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: ArgumentHelp("Recording ids (default: every live recording).", valueName: "UUID")) var ids: [RecordingID] = []
    @Option(name: .customLong("as"), help: "Also check every manifest this role can open against its catalog row.") var role: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            try await vault.withVault { opened in
                let bar = ProgressBar(label: "verify", total: nil)
                var unlocked: UnlockedRole? = nil
                if let role { unlocked = try await opened.unlockRole(role, passphrase: try passphrase.read(purpose: "unlock role '\(role)'")) }
                let report = try await opened.verify(ids.isEmpty ? nil : ids, manifestsAs: unlocked, actor: ShellUser.actor) { done, _ in bar.update(Int64(done)) }
                bar.finish()
                if json {
                    try printJSON(report)
                } else {
                    print("verified \(report.recordings) recordings, \(report.chunks) chunks, \(ByteCount.format(report.bytes)): \(report.problems.isEmpty ? "no problems" : "\(report.problems.count) problems")")
                    if let role {
                        print("manifests checked as \(role): \(report.manifestsChecked)" + (report.manifestsNotOpenable > 0 ? ", \(report.manifestsNotOpenable) not openable by this role" : "")
                              + (report.manifestsWithoutPatient > 0 ? ", \(report.manifestsWithoutPatient) written before the patient was bound into the manifest" : ""))
                    }
                    for problem in report.problems {
                        print("  recording \(problem.recording)" + (problem.chunk.map { ", chunk \($0)" } ?? "") + ": \(problem.problem)")
                    }
                }
                if !report.problems.isEmpty { throw ExitCode(ExitStatus.integrity) }
            }
        }
    }
}

struct FSCKCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsck",
        abstract: "Check that catalog, blobs, keyring and audit trail agree; --repair fixes what can be fixed safely.",
        discussion: """
            Checks every chunk of every live recording (present, right digest), that every live recording has wraps and no
            destroyed one does, the audit chain and checkpoints, due dates against the schedule, interrupted ingests and
            destructions, orphan blobs and stray keys. --repair removes orphans, finishes interrupted destructions, deletes
            left-over wraps and corrects due dates; it never deletes a blob a live recording references.
            --upgrade --as ROLE (a records officer's act) rewrites format-1 recordings in the current chunk format, one
            recording at a time and crash-safe (new blobs, then one catalog switch, then the old blobs go); held
            recordings are skipped. --upgrade --dry-run lists what it would rewrite and unlocks nothing.
            Exit code 4 if errors remain.
            """)

    @OptionGroup var vault: VaultOptions
    @Flag(help: "Fix what can be fixed safely.") var repair = false
    @Flag(help: "Rewrite format-1 recordings in the current chunk format (segment-level range reads); needs --as, or --dry-run.")
    var upgrade = false
    @Option(name: .customLong("as"), help: "With --upgrade: the role whose key opens each recording (records-officer holds a wrap of every one).")
    var role: String?
    @Flag(help: "With --upgrade: list the recordings that would be rewritten, and change nothing.") var dryRun = false
    @Option(help: ArgumentHelp("Leave alone ingests younger than this many seconds.", valueName: "SECONDS")) var grace: Double = 3600
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var officer: OfficerOptions
    @OptionGroup var passphrase: PassphraseOptions

    func validate() throws {
        if upgrade && repair { throw ValidationError("--upgrade and --repair are separate runs: run one, then the other") }
        if dryRun && !upgrade { throw ValidationError("--dry-run goes with --upgrade") }
        if upgrade && !dryRun && role == nil { throw ValidationError("--upgrade needs --as ROLE (a role that holds a wrap of each recording, such as records-officer)") }
        if role != nil && !upgrade { throw ValidationError("--as goes with --upgrade") }
    }

    func run() async throws {
        try await reportingErrors {
            if upgrade { return try await runUpgrade() }
            try await vault.withVault { opened in
                // --repair adopts the schedule in force and rewrites due dates: a records officer's act.
                let authority: Authority = repair ? try await officer.authority(opened, for: .adoptSchedule) : .unproven(ShellUser.actor)
                let report = try await opened.fsck(repair: repair, grace: grace, by: authority, progress: { stage in
                    if isatty(STDERR_FILENO) != 0 { note("fsck: checking \(stage)...") }
                })
                if json {
                    try printJSON(report)
                } else {
                    print("fsck: \(report.recordings) live recordings, \(report.chunks) chunks, \(report.auditEntries) audit entries")
                    if report.findings.isEmpty { print("no problems found") }
                    for finding in report.findings {
                        print("  [\(finding.severity.rawValue)] \(finding.kind): \(finding.subject): \(finding.meaning)")
                    }
                }
                if !report.errors.isEmpty { throw ExitCode(ExitStatus.integrity) }
            }
        }
    }

    func runUpgrade() async throws {
        try await vault.withVault { opened in
            let authority: Authority = dryRun ? .unproven(ShellUser.actor) : try await officer.authority(opened, for: .upgradeFormat)
            var unlocked: UnlockedRole? = nil
            if let role, !dryRun {
                unlocked = try await opened.unlockRole(role, passphrase: try passphrase.read(purpose: "unlock role '\(role)'"))
            }
            let report = try await opened.upgradeFormat(as: unlocked, by: authority, dryRun: dryRun, progress: { step in
                if isatty(STDERR_FILENO) != 0 { note("fsck --upgrade: \(step)...") }
            })
            if json {
                try printJSON(report)
            } else {
                print("fsck --upgrade\(dryRun ? " --dry-run" : ""): \(report.recordings) live recordings, \(report.current) already in the current format, "
                      + "\(report.upgraded.count) \(dryRun ? "would be rewritten" : "rewritten")")
                if dryRun { for id in report.upgraded { print("  would rewrite \(id)") } }
                for finding in report.findings {
                    print("  [\(finding.severity.rawValue)] \(finding.kind): \(finding.subject): \(finding.meaning)")
                }
                if report.lockedOldBlobs > 0 { print("  \(report.lockedOldBlobs) old blobs are locked by the store until their date: a later gc removes them") }
            }
            if !report.errors.isEmpty { throw ExitCode(ExitStatus.integrity) }
        }
    }
}
