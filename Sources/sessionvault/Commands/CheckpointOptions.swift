import ArgumentParser
import Foundation
import Logging
import SessionVault

/// How a long-running process (`serve`, `sweeper`) signs and publishes audit checkpoints. Each flag
/// overrides the same setting in config.toml's `[audit]` table, so a service configured once signs
/// on every start without flags.
struct CheckpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Sign audit checkpoints with this checkpoint signer (`audit signer add NAME`; default: [audit] checkpoint_signer).",
                               valueName: "NAME"))
    var checkpointSigner: String?
    @Option(help: ArgumentHelp("The signer's passphrase file (default: [audit] checkpoint_passphrase_file, else $SESSIONVAULT_PASSPHRASE).",
                               valueName: "FILE"))
    var checkpointPassphraseFile: String?
    @Option(help: ArgumentHelp("Sign after this many new audit entries (default: [audit] checkpoint_every, else 1000).", valueName: "N"))
    var checkpointEvery: Int64?
    @Option(help: ArgumentHelp("Sign at least this often while entries are written: e.g. 30s, 5m (default: [audit] checkpoint_interval, else 5m).",
                               valueName: "DURATION"))
    var checkpointInterval: String?
    @Option(help: ArgumentHelp("Publish each checkpoint outside the vault too: file:/ABSOLUTE/PATH, syslog, or s3://BUCKET?endpoint=…&lock=compliance (repeatable; default: [audit] publish_checkpoints).", valueName: "SINK"))
    var publishCheckpoints: [String] = []
    @Flag(help: ArgumentHelp("Run without signing audit checkpoints, accepting that the newest entries could be deleted unnoticed. "
                             + "Needed only in a vault with officers and no signer configured."))
    var withoutCheckpoints = false

    func validate() throws {
        if let checkpointEvery, checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1") }
        if let checkpointInterval, (SweeperCommand.parseDuration(checkpointInterval) ?? 0) < 1 {
            throw ValidationError("invalid --checkpoint-interval '\(checkpointInterval)': use e.g. 30s, 5m")
        }
        if withoutCheckpoints, checkpointSigner != nil || !publishCheckpoints.isEmpty {
            throw ValidationError("--without-checkpoints cannot be given with --checkpoint-signer or --publish-checkpoints")
        }
    }

    /// The checkpointer to run beside the process. Without a signer (flag or `[audit]`), a vault
    /// whose privileged acts need officers refuses to run unless `--without-checkpoints` says so;
    /// a vault still being set up runs with a warning.
    func makeCheckpointer(vault: Vault, layout: VaultLayout, logger: Logger, process: String) async throws -> AuditCheckpointer? {
        let settings = vault.config.checkpoints
        guard let signer = checkpointSigner ?? (withoutCheckpoints ? nil : settings.signer) else {
            if !withoutCheckpoints, try await vault.officersRequired() {
                throw ValidationError("\(process) signs audit checkpoints in a vault with officers: name a checkpoint signer with "
                                      + "--checkpoint-signer NAME or [audit] checkpoint_signer in config.toml (make one with "
                                      + "`sessionvault audit signer add NAME`), or pass --without-checkpoints to accept that the newest "
                                      + "audit entries could be deleted unnoticed")
            }
            note("sessionvault: warning: \(process) is not signing audit checkpoints (--checkpoint-signer NAME): "
                 + "entries written since the last checkpoint could be deleted unnoticed")
            return nil
        }
        let passphraseFile = checkpointPassphraseFile ?? (checkpointSigner == nil ? settings.passphraseFile : nil)
        // Sinks only once the signer is unlocked: an S3 sink holds an HTTP client that must be closed.
        let signing = try vault.unlockAuditSigner(signer, passphrase: try PassphraseSource.from(file: passphraseFile)
            .read(purpose: "unlock checkpoint signer '\(signer)'"))
        var sinks: [any CheckpointSink] = []
        do {
            for text in publishCheckpoints.isEmpty ? settings.publish : publishCheckpoints {
                sinks.append(try CheckpointSinks.parse(text, vaultRoot: layout.root))
            }
        } catch {
            for sink in sinks { await sink.close() }
            throw error
        }
        if sinks.isEmpty {
            note("sessionvault: warning: audit checkpoints are kept only inside the vault: publish them elsewhere with --publish-checkpoints "
                 + "or [audit] publish_checkpoints")
        }
        let every = checkpointEvery ?? settings.every ?? 1000
        let seconds = (checkpointInterval ?? settings.interval).flatMap(SweeperCommand.parseDuration) ?? 300
        note("sessionvault: \(process) signs an audit checkpoint with '\(signer)' every \(every) entries or \(Int(seconds)) s"
             + (sinks.isEmpty ? "" : ", published to \(sinks.count) sink(s)"))
        return AuditCheckpointer(vault: vault, signing: signing, sinks: sinks, everyEntries: every,
                                 interval: .milliseconds(Int64(seconds * 1000)), logger: logger)
    }
}
