/// Waits for a condition that becomes true through an event the test cannot observe directly (a
/// permit released after the last byte is written, an object reaching the store), checking it
/// every `interval` until it holds or `timeout` passes. Returns whether it held, for the test to
/// assert: the timeout bounds a hang and is no timing target, so make it generous (a full
/// parallel run on 2 cores can stall a process for seconds).
public func eventually(timeout: Duration, every interval: Duration = .milliseconds(50),
                       _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try await Task.sleep(for: interval)
    }
}
