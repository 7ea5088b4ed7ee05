import Synchronization

/// Caps the streams (content, review, upload) served at once. A permit is released when its
/// response body is done or dropped, whichever comes first.
final class StreamLimiter: Sendable {
    let limit: Int
    let active = Mutex(0)
    let metrics: ServerMetrics

    init(limit: Int, metrics: ServerMetrics) {
        self.limit = limit
        self.metrics = metrics
    }

    /// A permit, or nil at the cap.
    func acquire() -> StreamPermit? {
        let granted = active.withLock { count -> Bool in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard granted else {
            metrics.rejectedStreams.increment()
            return nil
        }
        metrics.activeStreams.increment()
        return StreamPermit(limiter: self)
    }

    func release() {
        active.withLock { $0 -= 1 }
        metrics.activeStreams.decrement()
    }

    var current: Int { active.withLock { $0 } }
}

/// One stream's place under the cap; gives it back when released or deinitialised.
final class StreamPermit: Sendable {
    let limiter: StreamLimiter
    let released = Mutex(false)

    init(limiter: StreamLimiter) { self.limiter = limiter }

    func release() {
        let first = released.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { limiter.release() }
    }

    deinit { release() }
}
