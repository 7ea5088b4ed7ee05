internal import Dispatch

/// Runs the jobs of one pipeline stage on a serial dispatch queue of its own, so that the stage
/// gets an OS thread of its own (dispatch adds threads for such queues as needed) instead of
/// sharing Swift's cooperative pool.
///
/// The pool may run both stages of a pipeline on one thread when the machine is busy; a stage
/// executor guarantees the decoder and the encoder are scheduled as two threads, which is what lets
/// them overlap on two cores.
@available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *)
final class StageExecutor: TaskExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
