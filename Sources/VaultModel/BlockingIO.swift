import Dispatch
import Synchronization

/// Runs blocking system calls (read, write, fsync, rename) off Swift's cooperative thread pool,
/// so that a slow disk never starves the tasks that seal chunks.
public enum BlockingIO {
    /// Serial queues target libdispatch's overcommit pool, which starts a thread when one is needed,
    /// so up to this many blocking calls wait on the disk at once. (The global concurrent queues run
    /// about one thread per core: a call that sleeps in the kernel, e.g. an unlink waiting for a
    /// discard, holds up the next.)
    static let lanes: [DispatchQueue] = (0..<16).map { DispatchQueue(label: "vaultstore.blocking-io.\($0)", qos: .userInitiated) }
    static let nextLane = Atomic<Int>(0)

    public static func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let lane = lanes[nextLane.wrappingAdd(1, ordering: .relaxed).oldValue & (16 - 1)]
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            lane.async {
                do throws(E) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
