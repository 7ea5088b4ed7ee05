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
/// A buffer taken keeps whatever an earlier chunk left in it (never uninitialised memory); users
/// overwrite what they use. At most `limit` free buffers are kept; more are simply dropped.
///
/// The free list is behind a pthread-based lock (`NIOLockedValueBox`) rather than the standard
/// library's `Mutex`: ThreadSanitizer cannot see `Mutex`'s synchronisation on Linux and reports
/// every contended use of it as a race (reproduced with a 15-line program), which would hide real
/// reports in `make sanitize`.
public final class ChunkBufferPool: Sendable {
    private let free: NIOLockedValueBox<[[UInt8]]>
    public let limit: Int

    public init(limit: Int) {
        self.limit = limit
        free = NIOLockedValueBox([])
    }

    /// A buffer of exactly `count` bytes: a free one re-sized when it has the capacity, else a new one (zeroed).
    public func take(count: Int) -> [UInt8] {
        let reused: [UInt8]? = free.withLockedValue { buffers in
            guard let index = buffers.lastIndex(where: { $0.capacity >= count }) else { return nil }
            // Re-sized where it lies, the pool holding its only reference, so that no copy is made.
            buffers[index].resize(to: count)
            return buffers.remove(at: index)
        }
        return reused ?? [UInt8](repeating: 0, count: count)
    }

    /// Returns a buffer for reuse (dropped if the pool is full).
    public func recycle(_ buffer: consuming [UInt8]) {
        let moved = buffer
        free.withLockedValue { buffers in
            if buffers.count < limit { buffers.append(moved) }
        }
    }

    /// The number of free buffers held.
    public var freeCount: Int { free.withLockedValue { $0.count } }
}
