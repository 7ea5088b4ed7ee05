import Dispatch

/// Lets the synchronous fuzz callback wait for async work.
public final class DispatchSemaphoreBox: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    public init() {}
    public func signal() { semaphore.signal() }
    public func wait() { semaphore.wait() }
}
