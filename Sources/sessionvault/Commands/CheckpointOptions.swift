import ArgumentParser
import Foundation
import Logging
import SessionVault

/// How a long-running process (`serve`, `sweeper`) signs and publishes audit checkpoints.
struct CheckpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Sign audit checkpoints with this checkpoint signer (`audit signer add NAME`).", valueName: "NAME"))
    var checkpointSigner: String?
    @Option(help: ArgumentHelp("The signer's passphrase file (default: $SESSIONVAULT_PASSPHRASE).", valueName: "FILE"))
    var checkpointPassphraseFile: String?
    @Option(help: ArgumentHelp("Sign after this many new audit entries.", valueName: "N")) var checkpointEvery: Int64 = 1000
    @Option(help: ArgumentHelp("Sign at least this often while entries are written: e.g. 30s, 5m.", valueName: "DURATION"))
    var checkpointInterval: String = "5m"
    @Option(help: ArgumentHelp("Publish each checkpoint outside the vault too: file:/ABSOLUTE/PATH, syslog, or s3://BUCKET?endpoint=…&lock=compliance (repeatable).", valueName: "SINK"))
    var publishCheckpoints: [String] = []

    func validate() throws {
        guard checkpointEvery >= 1 else { throw ValidationError("--checkpoint-every must be at least 1") }
        guard let seconds = SweeperCommand.parseDuration(checkpointInterval), seconds >= 1 else {
            throw ValidationError("invalid --checkpoint-interval '\(checkpointInterval)': use e.g. 30s, 5m")
        }
        if checkpointSigner == nil, !publishCheckpoints.isEmpty || checkpointPassphraseFile != nil {
            throw ValidationError("--publish-checkpoints and --checkpoint-passphrase-file need --checkpoint-signer NAME")
        }
    }

    /// The checkpointer to run beside the process, or nil (with a warning) when no signer is named.
    func makeCheckpointer(vault: Vault, layout: VaultLayout, logger: Logger, process: String) async throws -> AuditCheckpointer? {
        guard let checkpointSigner else {
            note("sessionvault: warning: \(process) is not signing audit checkpoints (--checkpoint-signer NAME): "
                 + "entries written since the last checkpoint could be deleted unnoticed")
            return nil
        }
        // Sinks only once the signer is unlocked: an S3 sink holds an HTTP client that must be closed.
        let signing = try vault.unlockAuditSigner(checkpointSigner, passphrase: try PassphraseSource.from(file: checkpointPassphraseFile)
            .read(purpose: "unlock checkpoint signer '\(checkpointSigner)'"))
        var sinks: [any CheckpointSink] = []
        do {
            for text in publishCheckpoints { sinks.append(try CheckpointSinks.parse(text, vaultRoot: layout.root)) }
        } catch {
            for sink in sinks { await sink.close() }
            throw error
        }
        if sinks.isEmpty {
            note("sessionvault: warning: audit checkpoints are kept only inside the vault: publish them elsewhere with --publish-checkpoints")
        }
        let seconds = SweeperCommand.parseDuration(checkpointInterval) ?? 300
        return AuditCheckpointer(vault: vault, signing: signing, sinks: sinks, everyEntries: checkpointEvery,
                                 interval: .milliseconds(Int64(seconds * 1000)), logger: logger)
    }
}
