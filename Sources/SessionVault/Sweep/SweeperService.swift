public import Logging
public import ServiceLifecycle

/// The retention sweeper as a long-running service: sweeps once at start and then every
/// `interval`, stops promptly on SIGTERM/SIGINT (graceful shutdown), and logs each pass.
///
/// A failed pass is logged and retried at the next tick; the sweep itself is crash-safe.
public struct SweeperService: Service {
    let vault: Vault
    let interval: Duration
    let logger: Logger

    public init(vault: Vault, interval: Duration, logger: Logger) {
        self.vault = vault
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        logger.info("sweeper started", metadata: ["interval": "\(interval)", "vault": "\(vault.config.vaultID)"])
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let report = try await vault.sweep(actor: "sweeper")
                if report.anotherSweeperActive {
                    logger.info("another sweeper holds the sweep lock; this tick does nothing")
                } else {
                    logger.info("sweep finished", metadata: [
                        "today": "\(report.today)", "destroyed": "\(report.destroyed)", "resumed": "\(report.resumed)",
                        "queued_for_review": "\(report.queuedForReview)", "deferred": "\(report.deferred.count)",
                        "seconds": "\(String(format: "%.2f", report.seconds))",
                    ])
                }
            } catch {
                logger.error("sweep failed; will retry at the next tick", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
        }
        logger.info("sweeper stopped")
    }
}

import Foundation
