import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import VaultIndex

/// What a vault computes once per process and shares between copies of the vault value:
/// the parsed retention schedule (a long-running service would otherwise parse it for every
/// upload) and the verified chunk tables of recently read recordings (a service answering
/// range requests would otherwise read and hash every chunk row of a recording per request),
/// and the unwrapped keys of recently opened recordings (``OpenedKeyCache``); and the crash
/// tests' ``FaultInjector``, if one was installed.
final class VaultMemo: Sendable {
    private let planner = Mutex<(planner: RetentionPlanner, stamp: FileStamp)?>(nil)
    private let chunkTables = Mutex(ChunkTableCache(capacity: ChunkTableCache.defaultCapacity))
    private let openedKeys = Mutex(OpenedKeyCache())
    private let faults = Mutex<FaultInjector?>(nil)
    /// Buffers that retrieval reads ciphertext into before opening it elsewhere, shared by every
    /// stream of the process: a service answering many short ranges would otherwise allocate and
    /// zero-fill fresh ones per request (8 % of its CPU, Benchmarks/README.md). Ciphertext only, so
    /// never zero-filled (every read fills its buffer or fails); a few per core are kept (at most a
    /// few chunks' worth of memory).
    let ciphertextScratch = ChunkBufferPool(limit: 4 * Vault.readAheadWindow, zeroesNewBytes: false)

    /// The injector ``Vault/open(at:clock:faults:)`` installed; nil in the shipped program.
    var faultInjector: FaultInjector? { faults.withLock { $0 } }

    func installFaultInjector(_ injector: FaultInjector) {
        faults.withLock { $0 = injector }
    }

    /// The planner parsed from the schedule file whose identity is `stamp`; parsed again when the
    /// file changes (or cannot be examined: nil, and `load` reports why).
    func planner(stamp: FileStamp?, _ load: () throws -> RetentionPlanner) throws -> RetentionPlanner {
        try planner.withLock { cached in
            if let cached, let stamp, cached.stamp == stamp { return cached.planner }
            let loaded = try load()
            cached = stamp.map { (loaded, $0) }
            return loaded
        }
    }

    /// The sealed chunk sizes of a recording as verified earlier against the manifest with this tag.
    func verifiedSealedSizes(of id: RecordingID, manifestTag: [UInt8]) -> [Int]? {
        chunkTables.withLock { $0.lookUp(ChunkTableCache.Key(id: id, manifestTag: manifestTag)) }
    }

    func rememberVerifiedSealedSizes(_ sizes: [Int], of id: RecordingID, manifestTag: [UInt8]) {
        chunkTables.withLock { $0.insert(sizes, for: ChunkTableCache.Key(id: id, manifestTag: manifestTag)) }
    }

    func openedKey(_ key: OpenedKeyCache.Key, now: Date) -> OpenedKeyCache.Entry? {
        openedKeys.withLock { $0.lookUp(key, now: now) }
    }

    func rememberOpenedKey(_ entry: OpenedKeyCache.Entry, for key: OpenedKeyCache.Key) {
        openedKeys.withLock { $0.insert(entry, for: key) }
    }
}

/// Which version of a file this is: device, inode, size and modification time (to the nanosecond).
/// An edit in place changes the size or the time; a replacement by rename changes the inode.
struct FileStamp: Equatable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let seconds: Int
    let nanoseconds: Int

    /// Nil if the file cannot be examined.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        seconds = info.st_mtim.tv_sec
        nanoseconds = info.st_mtim.tv_nsec
    }
}

/// A least-recently-used cache of verified chunk tables, bounded by the number of chunk entries
/// it holds (8 bytes each), not by the number of recordings.
///
/// Safe to cache: a recording's chunk rows never change while it is live, and an entry is keyed
/// by the manifest tag it was verified against, so it can only ever be used for that manifest.
/// It holds no secret, only sizes. A destroyed recording's entry is harmless: reading it needs a
/// wrap, which destruction removes first, and its blobs are gone.
struct ChunkTableCache {
    struct Key: Hashable {
        let id: RecordingID
        let manifestTag: [UInt8]
    }

    /// 1 Mi entries, 8 MiB: a thousand one-hour recordings at 1 MiB chunks.
    static let defaultCapacity = 1 << 20

    let capacity: Int
    private var entries: [Key: (sizes: [Int], lastUse: UInt64)] = [:]
    private var held = 0
    private var clock: UInt64 = 0

    init(capacity: Int) { self.capacity = capacity }

    mutating func lookUp(_ key: Key) -> [Int]? {
        guard let entry = entries[key] else { return nil }
        clock += 1
        entries[key] = (entry.sizes, clock)
        return entry.sizes
    }

    mutating func insert(_ sizes: [Int], for key: Key) {
        guard sizes.count <= capacity, entries[key] == nil else { return }
        while held + sizes.count > capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            held -= oldest.value.sizes.count
            entries[oldest.key] = nil
        }
        clock += 1
        entries[key] = (sizes, clock)
        held += sizes.count
    }

    var count: Int { entries.count }
}
