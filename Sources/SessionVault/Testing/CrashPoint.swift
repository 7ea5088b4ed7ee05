/// Named points in multi-step write paths: after each, a crash must leave a state the next run
/// finishes (docs/OPERATIONS.md, "Crash safety, by write path"). A ``FaultInjector`` is told
/// when one is reached; the shipped program installs none.
@_spi(Testing) public enum CrashPoint: String, CaseIterable, Sendable {
    /// A sweep's destruction, after the catalog shredded the wraps and before their erasure-tree leaves are erased.
    case sweepAfterShred = "sweep.after-shred"
    /// A sweep's destruction, after each chunk deleted from the blob store.
    case sweepMidBlobs = "sweep.mid-blobs"
    /// A sweep's destruction, after every chunk is deleted and before the destruction records are written.
    case sweepAfterBlobs = "sweep.after-blobs"
    /// A consent withdrawal, after its catalog transaction and before the revoked wraps' leaves are erased.
    case withdrawAfterCommit = "withdraw.after-commit"
    /// A role rotation, after a batch of wraps is replaced and before the old wraps' leaves are erased.
    case rotateAfterReplace = "rotate.after-replace"
    /// An erasure, after the new root is written beside the old and before the node store commits.
    case eraseAfterNewRoot = "erase.after-new-root"
    /// An erasure, after the node store committed the new generation and before the old root is wiped.
    case eraseAfterCommit = "erase.after-commit"
    /// A format upgrade, after each rewritten chunk is stored (before the catalog switches to them).
    case upgradeMidChunks = "upgrade.mid-chunks"
    /// A format upgrade, after the rewritten chunks are verified and before the catalog switches to them.
    case upgradeBeforeSwitch = "upgrade.before-switch"
    /// A format upgrade, after the catalog switched to the rewritten chunks and before the old blobs are deleted.
    case upgradeAfterSwitch = "upgrade.after-switch"
    /// A format upgrade, after each old blob deleted.
    case upgradeMidOldBlobs = "upgrade.mid-old-blobs"
    /// A review copy made at ingest: after the original's commit, before the copy's chunks are stored.
    case reviewAtIngestBeforeChunks = "review-at-ingest.before-chunks"
    /// A review copy made at ingest: after its chunks are durable, before its commit.
    case reviewAtIngestAfterChunks = "review-at-ingest.after-chunks"
    /// A review copy made at ingest: after its commit, before the ingest returns.
    case reviewAtIngestAfterCommit = "review-at-ingest.after-commit"
}
