import Foundation
import Synchronization
import VaultModel

/// Review copies still being made after the ingest of their original returned (the service answers
/// an upload at the original's commit, ``IngestRequest/reviewCopyInBackground``). Shared by copies
/// of a vault; ``Vault/close()`` waits for them, so a vault opened by `withVault` is closed only
/// when every copy it started is stored or given up.
///
/// At most `limit` run at once (one per core by default: each decodes on one lane). An ingest that
/// finds them all taken waits for its own copy instead, so a stream of uploads cannot pile up
/// transcodes (and their tees' memory) once each has been answered: the service's stream cap,
/// which holds during the upload, then holds for its copy too.
///
/// A process killed meanwhile leaves what a killed ingest of the copy leaves: the original whole,
/// the copy whole or absent (gc collects its staged chunks); a later review request makes it then.
final class BackgroundReviewCopies: Sendable {
    private let running = Mutex<[RecordingID: Task<ReviewAtIngestOutcome, Never>]>([:])
    /// Copies made in the background at once, at most.
    let limit: Int

    init(limit: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.limit = max(1, limit)
    }

    /// Runs `work` for the original `id` until it returns, unless `limit` copies are being made:
    /// then false, and `work` is not run.
    func start(_ id: RecordingID, _ work: @escaping @Sendable () async -> ReviewAtIngestOutcome) -> Bool {
        running.withLock { running in
            guard running.count < limit else { return false }
            // Made under the lock, so that it cannot remove itself before it has been added.
            running[id] = Task {
                let outcome = await work()
                self.running.withLock { _ = $0.removeValue(forKey: id) }
                return outcome
            }
            return true
        }
    }

    /// The outcome of the copy being made for `id`, once it is stored or given up; nil when none is running.
    func outcome(of id: RecordingID) async -> ReviewAtIngestOutcome? {
        guard let task = running.withLock({ $0[id] }) else { return nil }
        return await task.value
    }

    /// Waits until no copy is being made (copies started meanwhile included).
    func waitForAll() async {
        while let task = running.withLock({ $0.values.first }) {
            _ = await task.value
        }
    }

    /// How many copies are being made now.
    var count: Int { running.withLock { $0.count } }
}

extension Vault {
    /// The outcome of the review copy this process is still making in the background for the
    /// ingest of `id`, once it is stored or given up; nil when none is being made (none was asked
    /// for, it is already stored, or another process made it).
    public func reviewCopyInProgress(of id: RecordingID) async -> ReviewAtIngestOutcome? {
        await backgroundReviews.outcome(of: id)
    }

    /// Review copies this process is making in the background now.
    public var reviewCopiesInProgress: Int { backgroundReviews.count }
}
