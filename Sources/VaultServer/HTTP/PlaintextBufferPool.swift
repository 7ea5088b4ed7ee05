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
/// The pool budgets memory; it keeps no storage. Each lease allocates its buffer where it is
/// filled, and NIO frees it once sent: the writer accepts a buffer before the socket has taken it,
/// so storage kept for reuse would almost never be free to reuse (docs/THREAT-MODEL.md).
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
        metrics.poolAllocated.increment()
        // Empty: allocated where it is filled (PooledPlaintext.decrypt), where nothing else holds it.
        return PooledPlaintext(bytes: allocator.buffer(capacity: 0), lease: PlaintextLease(pool: self, count: count))
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

    /// Ends a lease of `count` bytes and grants waiting leases that now fit, in order.
    fileprivate func release(_ count: Int) {
        let woken = state.withLockedValue { state -> [Waiter] in
            state.leased -= count
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

    /// Gives the budget back (once).
    func release() {
        let first = released.withLockedValue { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { pool.release(count) }
    }

    deinit { release() }
}
