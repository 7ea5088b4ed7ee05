/// The queues between the review pipeline's demuxer, its VP8 decoder lanes and the encoding stage.
///
/// The demuxer sends each unit to a lane and notes the lane in `order`; the merger takes the lanes'
/// output back in that order, so the encoding stage gets frames in stream order however the lanes
/// race. Every queue is bounded: a lane can run at most a few units ahead of the merger.
struct DecodeLanes: Sendable {
    let inputs: [WorkQueue<DecodeUnit>]
    let outputs: [WorkQueue<[WorkItem]>]
    let order: WorkQueue<Int>

    init(count: Int) {
        inputs = (0..<max(1, count)).map { _ in WorkQueue(capacity: 4) }
        outputs = (0..<max(1, count)).map { _ in WorkQueue(capacity: 3) }
        order = WorkQueue(capacity: 64)
    }

    var count: Int { inputs.count }

    /// Sends `unit` to `lane`. False once the lanes have stopped (a later stage failed).
    func dispatch(_ unit: DecodeUnit, to lane: Int) async -> Bool {
        guard await order.send(lane) else { return false }
        return await inputs[lane].send(unit)
    }

    /// No more units: the lanes drain what they have, then the merger ends.
    func finishInput() async {
        await order.finish()
        for input in inputs { await input.finish() }
    }

    /// Stops every lane and the merger, dropping queued work.
    func abandon() async {
        await order.finish(discarding: true)
        for input in inputs { await input.finish(discarding: true) }
        for output in outputs { await output.finish(discarding: true) }
    }

    /// Forwards the lanes' work to `queue` in unit order, then finishes `queue` (dropping what is
    /// queued when a lane or the encoding stage stopped early).
    func merge(into queue: WorkQueue<WorkItem>) async {
        var complete = true
        merging: while let lane = await order.receive() {
            guard let work = await outputs[lane].receive() else {
                complete = false
                break
            }
            for item in work {
                guard await queue.send(item) else {
                    complete = false
                    break merging
                }
            }
        }
        if !complete { await abandon() }
        await queue.finish(discarding: !complete)
    }
}
