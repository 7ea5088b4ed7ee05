import Media

/// Hands the plaintext an ingest reads to a second consumer (the review transcoder) with a byte
/// budget: when the consumer falls that far behind, `send` waits, so memory stays bounded whatever
/// the input's size. The consumer may give up at any time (an unsupported codec); from then on
/// `send` returns at once and the ingest carries on alone.
actor PlaintextTee {
    /// Bytes queued and not yet taken before `send` waits.
    let budget: Int
    private var queue: [[UInt8]] = []
    private var head = 0
    private var queuedBytes = 0
    private var finished = false
    private var abandoned = false
    private var waitingConsumer: CheckedContinuation<[UInt8]?, Never>?
    private var waitingProducers: [CheckedContinuation<Void, Never>] = []

    init(budget: Int) { self.budget = max(1, budget) }

    /// Whether the consumer still wants bytes (the producer then copies a chunk for it).
    var isAccepting: Bool { !abandoned && !finished }

    /// Queues `bytes` for the consumer, first waiting while the budget is used up.
    func send(_ bytes: [UInt8]) async {
        guard !bytes.isEmpty else { return }
        while queuedBytes >= budget, !abandoned {
            await withCheckedContinuation { waitingProducers.append($0) }
        }
        guard !abandoned, !finished else { return }
        if let consumer = waitingConsumer {
            waitingConsumer = nil
            consumer.resume(returning: bytes)
            return
        }
        queue.append(bytes)
        queuedBytes += bytes.count
    }

    /// The input has ended: the consumer gets what is queued, then nil.
    func finish() {
        finished = true
        if queue.count == head, let consumer = waitingConsumer {
            waitingConsumer = nil
            consumer.resume(returning: nil)
        }
    }

    /// The consumer stops reading (or the ingest failed): drops what is queued and releases a waiting producer.
    func abandon() {
        abandoned = true
        queue = []
        head = 0
        queuedBytes = 0
        waitingConsumer?.resume(returning: nil)
        waitingConsumer = nil
        let producers = waitingProducers
        waitingProducers = []
        for producer in producers { producer.resume() }
    }

    /// The next bytes, in the order sent, or nil once the input has ended or the tee was abandoned.
    func next() async -> [UInt8]? {
        if abandoned { return nil }
        if head < queue.count {
            let bytes = queue[head]
            queue[head] = []
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            }
            queuedBytes -= bytes.count
            if queuedBytes < budget {
                let producers = waitingProducers
                waitingProducers = []
                for producer in producers { producer.resume() }
            }
            return bytes
        }
        if finished { return nil }
        precondition(waitingConsumer == nil, "one consumer reads a tee")
        return await withCheckedContinuation { waitingConsumer = $0 }
    }
}

/// The consumer's side of a ``PlaintextTee`` as the transcoder reads it.
struct TeeByteSource: MediaByteSource {
    let tee: PlaintextTee
    private var current: [UInt8] = []
    private var position = 0

    init(tee: PlaintextTee) { self.tee = tee }

    mutating func read(maxCount: Int) async throws -> [UInt8]? {
        while position >= current.count {
            guard let next = await tee.next() else { return nil }
            current = next
            position = 0
        }
        let take = min(max(1, maxCount), current.count - position)
        defer { position += take }
        return Array(current[position..<(position + take)])
    }
}
