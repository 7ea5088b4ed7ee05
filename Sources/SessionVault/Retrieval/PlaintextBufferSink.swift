/// Memory that retrieval decrypts into, lent by the caller: an HTTP server's pooled NIO buffers,
/// so that plaintext is written once, by the cipher, where it is sent from.
public protocol PlaintextBuffer: Sendable {
    /// Lets `fill` write exactly `count` bytes of plaintext into the (empty) buffer, then keeps
    /// only `kept` (offsets into those `count` bytes) readable. `fill` throws when the
    /// ciphertext does not authenticate; the buffer's contents must not be sent then.
    mutating func decrypt(count: Int, keeping kept: Range<Int>, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws
}

/// Where ``Vault/stream(_:range:into:)`` sends plaintext when the caller lends the buffers it is
/// decrypted into (``PlaintextBuffer``), instead of receiving a copy (``PlaintextSink``).
///
/// The vault asks for a buffer before it reads each chunk's (or segment span's) ciphertext, in the
/// order the buffers are written, and asks with `wait: true` only when it holds no other buffer
/// of this stream: so a stream waiting for memory holds none, and streams that share a bounded
/// pool cannot wait for each other in a circle.
public protocol PlaintextBufferSink {
    associatedtype Buffer: PlaintextBuffer
    /// An empty buffer for `count` bytes. With `wait` false: nil rather than wait (read-ahead is
    /// skipped). With `wait` true: may suspend until memory is free; throws if the task is cancelled.
    mutating func buffer(count: Int, wait: Bool) async throws -> Buffer?
    /// Sends a filled buffer's readable bytes; called in stream order, once per buffer.
    mutating func write(_ buffer: consuming Buffer) async throws
}

/// ``Vault/stream(_:range:to:)``'s buffers: arrays from a pool, decrypted into, written to a
/// ``PlaintextSink`` as slices of the wanted bytes and then reused.
struct LendingPlaintextSink<Sink: PlaintextSink>: PlaintextBufferSink {
    struct Buffer: PlaintextBuffer {
        var bytes: [UInt8]
        var kept: Range<Int> = 0..<0

        mutating func decrypt(count: Int, keeping kept: Range<Int>, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
            if bytes.count != count { bytes = [UInt8](repeating: 0, count: count) }
            try bytes.withUnsafeMutableBytes(fill)
            self.kept = kept
        }
    }

    var sink: Sink
    let pool: ChunkBufferPool

    /// Never waits and never declines: the pool allocates when it holds no free buffer, and the
    /// read-ahead window bounds how many are out at once.
    mutating func buffer(count: Int, wait: Bool) async throws -> Buffer? {
        Buffer(bytes: pool.take(count: count))
    }

    mutating func write(_ buffer: consuming Buffer) async throws {
        let buffer = buffer
        if !buffer.kept.isEmpty { try await sink.write(buffer.bytes[buffer.kept]) }
        pool.recycle(buffer.bytes)
    }
}
