import NIOConcurrencyHelpers

/// A few chunk-sized buffers passed round a pipeline (read → seal → store, or fetch → open →
/// write) instead of being freed and allocated again for every chunk.
///
/// Why: a multi-MiB buffer freed and allocated anew either comes back from the kernel as fresh
/// pages (a page fault and a zeroed page for every 4 KiB: measured as a quarter of `get`'s CPU)
/// or, kept in malloc's arenas, fragments the heap as small allocations settle between the big
/// ones, so that RSS creeps up with the length of the recording. Reusing the same few buffers
/// does neither: memory is the window, whatever the size of the input.
///
/// A buffer taken keeps whatever an earlier chunk left in it; users overwrite what they use. New
/// bytes are zeroed, unless the pool is made with `zeroesNewBytes: false` (see there). At most
/// `limit` free buffers are kept; more are simply dropped.
///
/// The free list is behind a pthread-based lock (`NIOLockedValueBox`) rather than the standard
/// library's `Mutex`: ThreadSanitizer cannot see `Mutex`'s synchronisation on Linux and reports
/// every contended use of it as a race (reproduced with a 15-line program), which would hide real
/// reports in `make sanitize`.
public final class ChunkBufferPool: Sendable {
    private let free: NIOLockedValueBox<[[UInt8]]>
    public let limit: Int
    public let zeroesNewBytes: Bool

    /// `zeroesNewBytes` false is for buffers that every user fills completely before it reads them
    /// (ciphertext read from a blob store, which fails rather than return fewer bytes): bytes a
    /// buffer gains are left as the allocator gives them, never zero-filled. The memory is this
    /// process's own, and a failed read's buffer is never opened. (Zeroing fresh and grown scratch
    /// buffers was 3.5 % of the service's CPU under load, Benchmarks/README.md.)
    public init(limit: Int, zeroesNewBytes: Bool = true) {
        self.limit = limit
        self.zeroesNewBytes = zeroesNewBytes
        free = NIOLockedValueBox([])
    }

    /// A buffer of exactly `count` bytes: a free one re-sized when it can be without a copy, else a
    /// new one.
    public func take(count: Int) -> [UInt8] {
        let zeroes = zeroesNewBytes
        let reused: [UInt8]? = free.withLockedValue { buffers in
            // Without zeroing, a buffer can only shrink in place (bytes it gains would be zeroed).
            guard let index = buffers.lastIndex(where: { (zeroes ? $0.capacity : $0.count) >= count }) else { return nil }
            // Re-sized where it lies, the pool holding its only reference, so that no copy is made.
            buffers[index].resize(to: count)
            return buffers.remove(at: index)
        }
        if let reused { return reused }
        if zeroes { return [UInt8](repeating: 0, count: count) }
        return [UInt8](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Returns a buffer for reuse. When the pool is full it keeps the larger of this buffer and
    /// its smallest, so that the buffers kept fit the largest requests.
    public func recycle(_ buffer: consuming [UInt8]) {
        let moved = buffer
        free.withLockedValue { buffers in
            if buffers.count < limit {
                buffers.append(moved)
            } else if let smallest = buffers.indices.min(by: { buffers[$0].count < buffers[$1].count }),
                      buffers[smallest].count < moved.count {
                buffers[smallest] = moved
            }
        }
    }

    /// The number of free buffers held.
    public var freeCount: Int { free.withLockedValue { $0.count } }
}
