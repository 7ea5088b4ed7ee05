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
