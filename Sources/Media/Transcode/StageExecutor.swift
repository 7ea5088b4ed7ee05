import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the jobs of one pipeline stage on an OS thread of its own, instead of Swift's cooperative
/// pool, which may run both stages of a pipeline on one thread when the machine is busy: a stage
/// executor guarantees the decoder and the encoder are scheduled as separate threads, which is what
/// lets them overlap on two cores.
///
/// With a `niceIncrement`, the thread runs at that much lower CPU priority (Linux `nice`, per
/// thread), and so do the threads libvpx starts from it (they inherit it): a review copy made in
/// the background then takes the CPU the service's requests and uploads leave over, rather than
/// slowing them. (An unprivileged process can lower a thread's priority but never raise it again,
/// which is why the stage has a thread of its own rather than a shared pool's.)
///
/// The thread ends once the executor is released and its queued jobs have run.
@available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *)
final class StageExecutor: TaskExecutor {
    private let queue: StageJobQueue

    init(label: String, niceIncrement: Int32 = 0) {
        let queue = StageJobQueue()
        self.queue = queue
        let thread = Thread {
            #if canImport(Glibc)
            // Named for `top -H` and `perf` (Linux keeps the first 15 bytes).
            try? Data(label.utf8.prefix(15)).write(to: URL(fileURLWithPath: "/proc/thread-self/comm"))
            // `who` 0 is the calling thread on Linux, where nice is a per-thread attribute.
            if niceIncrement > 0 {
                let which = __priority_which_t(PRIO_PROCESS.rawValue)
                _ = setpriority(which, 0, min(19, getpriority(which, 0) + niceIncrement))
            }
            #endif
            queue.runUntilClosed()
        }
        thread.start()
    }

    deinit { queue.close() }

    func enqueue(_ job: consuming ExecutorJob) {
        queue.push(UnownedJob(job), on: asUnownedTaskExecutor())
    }
}

/// The jobs waiting for a stage's thread, in order.
private final class StageJobQueue: @unchecked Sendable {
    // `@unchecked`: every stored property is read and written only with `condition` locked.
    private let condition = NSCondition()
    private var jobs: [(job: UnownedJob, executor: UnownedTaskExecutor)] = []
    private var closed = false

    func push(_ job: UnownedJob, on executor: UnownedTaskExecutor) {
        condition.lock()
        jobs.append((job, executor))
        condition.signal()
        condition.unlock()
    }

    /// No job comes after this; the thread ends when the queue is empty.
    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    func runUntilClosed() {
        while true {
            condition.lock()
            while jobs.isEmpty && !closed { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for entry in batch { entry.job.runSynchronously(on: entry.executor) }
        }
    }
}
