import NIOConcurrencyHelpers
import NIOCore

/// The process-wide memory that content and review responses decrypt into: NIO `ByteBuffer`s
/// under a byte budget. A stream takes a buffer per chunk (or segment span) before reading its
/// ciphertext, the vault decrypts into it, and the response writer sends that same buffer; the
/// lease ends when the writer has accepted it, or when the buffer is dropped (a client that went
/// away, a cancelled request, an error), whichever comes first.
///
/// When the budget is spent, streams wait for memory (first come, first served) instead of
/// allocating more: backpressure, not an out-of-memory kill. A stream never waits while it holds
/// a buffer (``Vault/stream(_:range:into:)`` asks to wait only then), so waiting streams cannot
/// block each other. One buffer larger than the whole budget is granted when nothing else is
/// leased, so no request is refused for its chunk size.
///
/// Storage is reused when the writer has let go of it by the time the lease ends; it is zeroed
/// before it waits in the free list, so no plaintext outlives its response in the pool. Storage
/// still queued in NIO's channel is freed by NIO, as every response buffer always was.
///
/// State is behind `NIOLockedValueBox` (see ``ChunkBufferPool`` for why not `Mutex`).
final class PlaintextBufferPool: Sendable {
    /// Bytes leased at most at once (a single larger buffer excepted, see above).
    let budget: Int
    let metrics: ServerMetrics
    private let state: NIOLockedValueBox<State>
    private let allocator = ByteBufferAllocator()

    private struct Waiter {
        let id: UInt64
        let count: Int
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var leased = 0
        var free: [ByteBuffer] = []
        var freeBytes = 0
        var waiters: [Waiter] = []
        var nextWaiter: UInt64 = 0
        /// Waiters cancelled before they were queued.
        var cancelled: Set<UInt64> = []

        func fits(_ count: Int, budget: Int) -> Bool { leased == 0 || leased + count <= budget }
    }

    init(budget: Int, metrics: ServerMetrics) {
        precondition(budget > 0, "the plaintext buffer budget must be positive")
        self.budget = budget
        self.metrics = metrics
        state = NIOLockedValueBox(State())
        metrics.poolBudget.set(Int64(budget))
    }

    /// A buffer for `count` bytes, leased until it is written or dropped. With `wait` false, nil
    /// when the budget is spent (or others are already waiting); with `wait` true, waits for
    /// memory and throws `CancellationError` if the task is cancelled meanwhile.
    func lease(count: Int, wait: Bool) async throws -> PooledPlaintext? {
        let granted = state.withLockedValue { state -> Bool in
            guard state.waiters.isEmpty, state.fits(count, budget: budget) else { return false }
            state.leased += count
            return true
        }
        if !granted {
            guard wait else { return nil }
            try await waitForMemory(count)
        }
        metrics.poolLeased.increment(by: Double(count))
        return PooledPlaintext(bytes: storage(count), lease: PlaintextLease(pool: self, count: count))
    }

    private func waitForMemory(_ count: Int) async throws {
        let id = state.withLockedValue { state -> UInt64 in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        metrics.poolWaits.increment()
        metrics.poolWaiting.increment()
        defer { metrics.poolWaiting.decrement() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLockedValue { state -> Result<Void, any Error>? in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    // Memory may have come back since the first look.
                    if state.waiters.isEmpty, state.fits(count, budget: budget) {
                        state.leased += count
                        return .success(())
                    }
                    state.waiters.append(Waiter(id: id, count: count, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = self.state.withLockedValue { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
        // A cancelled waiter that was never queued leaves its mark behind only until here.
        _ = state.withLockedValue { $0.cancelled.remove(id) }
    }

    /// Free storage of the pool (cleared), or new storage.
    private func storage(_ count: Int) -> ByteBuffer {
        let reused = state.withLockedValue { state -> ByteBuffer? in
            guard let buffer = state.free.popLast() else { return nil }
            state.freeBytes -= buffer.capacity
            return buffer
        }
        if let reused {
            metrics.poolReused.increment()
            return reused
        }
        metrics.poolAllocated.increment()
        // Allocated where it is filled (PooledPlaintext.decrypt), where nothing else holds it.
        return allocator.buffer(capacity: 0)
    }

    /// Ends a lease of `count` bytes, keeping `buffer`'s storage for reuse if nothing else holds it.
    fileprivate func release(_ count: Int, storage buffer: consuming ByteBuffer?) {
        var kept: ByteBuffer?
        // Moved out, so that the caller's reference does not count as a second owner.
        if var buffer = buffer.take() {
            let before = buffer.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
            // clear() keeps the storage when this is its only reference, else it allocates anew:
            // then NIO still holds the old one, which must not be touched.
            buffer.clear()
            if buffer.withVeryUnsafeBytes({ UInt(bitPattern: $0.baseAddress) }) == before {
                buffer.withVeryUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) }
                kept = buffer
            }
        }
        let woken = state.withLockedValue { state -> [Waiter] in
            state.leased -= count
            if let kept, state.freeBytes + kept.capacity <= budget {
                state.free.append(kept)
                state.freeBytes += kept.capacity
            }
            var woken: [Waiter] = []
            while let first = state.waiters.first, state.fits(first.count, budget: budget) {
                state.leased += first.count
                woken.append(state.waiters.removeFirst())
            }
            return woken
        }
        metrics.poolLeased.decrement(by: Double(count))
        for waiter in woken { waiter.continuation.resume() }
    }

    /// Bytes leased now.
    var leased: Int { state.withLockedValue { $0.leased } }
    /// Streams waiting for memory now.
    var waiting: Int { state.withLockedValue { $0.waiters.count } }
    /// Bytes of free storage kept for reuse.
    var freeBytes: Int { state.withLockedValue { $0.freeBytes } }
}

/// One buffer's share of the pool's budget; given back when released or deinitialised.
final class PlaintextLease: Sendable {
    let pool: PlaintextBufferPool
    let count: Int
    private let released = NIOLockedValueBox(false)

    init(pool: PlaintextBufferPool, count: Int) {
        self.pool = pool
        self.count = count
    }

    /// Gives the budget back (once), and the storage for reuse when it is passed.
    func release(storage: consuming ByteBuffer? = nil) {
        let first = released.withLockedValue { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { pool.release(count, storage: storage.take()) }
    }

    deinit { release() }
}
