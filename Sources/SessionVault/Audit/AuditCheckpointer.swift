public import Logging
public import ServiceLifecycle
public import VaultCrypto
import Synchronization

/// Signs audit checkpoints while a long-running process (`serve`, `sweeper`) runs: whenever
/// `everyEntries` new entries have been appended, or `interval` has passed with any new entry,
/// and once more on graceful shutdown. Each checkpoint is stored in the catalog, appended to the
/// vault's `audit-checkpoints.jsonl` and published to every sink. At most `interval` (plus one
/// poll) of entries is ever unsigned, which bounds what a truncation of the trail can hide.
public struct AuditCheckpointer: Service {
    let vault: Vault
    let signing: SigningKeyPair
    let sinks: [any CheckpointSink]
    let everyEntries: Int64
    let interval: Duration
    let logger: Logger

    public init(vault: Vault, signing: SigningKeyPair, sinks: [any CheckpointSink], everyEntries: Int64 = 1000,
                interval: Duration = .seconds(300), logger: Logger) {
        self.vault = vault
        self.signing = signing
        self.sinks = sinks
        self.everyEntries = max(1, everyEntries)
        self.interval = interval
        self.logger = logger
    }

    /// How often the chain's head is looked at: often enough for `everyEntries`, cheap (one indexed row).
    var poll: Duration { min(interval, .seconds(2)) }

    public func run() async throws {
        let lastSigned = Mutex<Int64>(try await vault.lastCheckpointSequence() ?? 0)
        try? await cancelWhenGracefulShutdown {
            var lastTime = ContinuousClock.now
            while !Task.isCancelled {
                try await Task.sleep(for: poll)
                guard let head = try await vault.auditHeadSequence(), head > lastSigned.withLock({ $0 }) else { continue }
                let behind = head - lastSigned.withLock { $0 }
                guard behind >= everyEntries || ContinuousClock.now - lastTime >= interval else { continue }
                if let signed = await checkpoint(reason: behind >= everyEntries ? "entries" : "interval") {
                    lastSigned.withLock { $0 = signed }
                    lastTime = ContinuousClock.now
                }
            }
        }
        // The entries of the last minutes before a stop are covered too.
        if let head = try? await vault.auditHeadSequence(), head > lastSigned.withLock({ $0 }) {
            _ = await checkpoint(reason: "shutdown")
        }
        for sink in sinks { await sink.close() }
    }

    /// Signs and publishes; a failure is logged and retried at the next poll (a sink that is down
    /// does not stop the service, and the catalog copy is kept regardless).
    func checkpoint(reason: String) async -> Int64? {
        do {
            guard let checkpoint = try await vault.checkpointAudit(signing: signing, reason: reason, publishTo: sinks) else { return nil }
            logger.info("audit checkpoint signed", metadata: ["sequence": "\(checkpoint.sequence)", "reason": "\(reason)"])
            return checkpoint.sequence
        } catch {
            logger.error("audit checkpoint failed", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
