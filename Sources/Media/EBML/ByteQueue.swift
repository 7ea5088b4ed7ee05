/// A FIFO of bytes: appended at the back, consumed from the front, compacted as it drains.
struct ByteQueue {
    private var storage: [UInt8] = []
    private var head = 0

    /// The number of unconsumed bytes.
    var count: Int { storage.count - head }

    /// The unconsumed byte at `index` (0 is the front).
    subscript(index: Int) -> UInt8 { storage[head + index] }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        storage.append(contentsOf: bytes)
    }

    /// Removes and returns the first `count` bytes.
    mutating func take(_ count: Int) -> [UInt8] {
        let bytes = Array(storage[head..<head + count])
        head += count
        return bytes
    }

    /// Discards the first `count` bytes.
    mutating func drop(_ count: Int) {
        head += count
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    private mutating func compact() {
        guard head > 0, head >= storage.count / 2 else { return }
        storage.removeFirst(head)
        head = 0
    }
}
