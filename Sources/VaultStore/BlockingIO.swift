import Dispatch

/// Runs blocking system calls (read, write, fsync, rename) off Swift's cooperative thread pool,
/// so that a slow disk never starves the tasks that seal chunks.
public enum BlockingIO {
    public static func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
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
