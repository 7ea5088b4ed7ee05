/// A bounded single-consumer queue between two tasks: `send` waits while the queue is full, which
/// keeps a fast producer from piling up decoded frames.
actor WorkQueue<Element: Sendable> {
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int
    private var finished = false
    private var receiver: CheckedContinuation<Element?, Never>?
    private var senders: [CheckedContinuation<Void, Never>] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Queues `item`, waiting for room. Returns false when the queue was closed.
    func send(_ item: Element) async -> Bool {
        while items.count - head >= capacity && !finished {
            await withCheckedContinuation { senders.append($0) }
        }
        guard !finished else { return false }
        if let receiver {
            self.receiver = nil
            receiver.resume(returning: item)
        } else {
            items.append(item)
        }
        return true
    }

    /// The next item, or nil once the queue is finished and empty.
    func receive() async -> Element? {
        if head < items.count {
            let item = items[head]
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            }
            if !senders.isEmpty { senders.removeFirst().resume() }
            return item
        }
        if finished { return nil }
        return await withCheckedContinuation { receiver = $0 }
    }

    /// No more items will be sent; the consumer drains what is queued. With `discarding`, queued
    /// items are dropped (the consumer failed or the producer gave up).
    func finish(discarding: Bool = false) {
        finished = true
        if discarding {
            items.removeAll()
            head = 0
        }
        if head >= items.count, let receiver {
            self.receiver = nil
            receiver.resume(returning: nil)
        }
        for sender in senders { sender.resume() }
        senders.removeAll()
    }
}

/// Where the encoding task leaves its output for the muxing task to collect.
actor Outbox<Element: Sendable> {
    private var items: [Element] = []

    func put(_ new: [Element]) {
        items += new
    }

    func takeAll() -> [Element] {
        defer { items.removeAll(keepingCapacity: true) }
        return items
    }
}
