import Dispatch

/// The serial executor a ``SQLiteCatalog`` runs on: its own dispatch queue, not Swift's
/// cooperative thread pool.
///
/// SQLite calls block: a commit waits for an fsync of the WAL (milliseconds here), a busy writer
/// waits for another process's lock. On the cooperative pool, which has one thread per core,
/// each such wait took a whole core away from the tasks that decrypt and serve (measured under
/// `Benchmarks/load.sh`: an audit entry per request, on 2 cores). A serial queue targets
/// libdispatch's overcommit pool, which gives a blocked queue a thread of its own.
final class SQLiteExecutor: SerialExecutor {
    let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
