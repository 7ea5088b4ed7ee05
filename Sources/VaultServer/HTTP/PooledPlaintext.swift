import Hummingbird
import NIOCore
import SessionVault

/// A buffer of the ``PlaintextBufferPool`` that the vault decrypts into and the response sends.
struct PooledPlaintext: PlaintextBuffer {
    var bytes: ByteBuffer
    let lease: PlaintextLease

    mutating func decrypt(count: Int, keeping kept: Range<Int>, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        precondition(kept.lowerBound >= 0 && kept.upperBound <= count, "kept bytes outside the decrypted ones")
        // The pool lends empty buffers: this allocates the storage once, at the size wanted. (The vault
        // hands the buffer to the decrypting task as its only owner; a shared one would be allocated
        // anew here rather than copied.)
        bytes.clear(minimumCapacity: count)
        let start = bytes.writerIndex
        _ = try bytes.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
            try fill(UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]))
            return count
        }
        bytes.moveReaderIndex(to: start + kept.lowerBound)
        bytes.moveWriterIndex(to: start + kept.upperBound)
    }
}

/// Sends the pool's buffers as the response body, one write per chunk's share of the range
/// (NIO applies backpressure), and counts the bytes served.
struct PooledResponseSink: PlaintextBufferSink {
    var writer: any ResponseBodyWriter
    let pool: PlaintextBufferPool
    let metrics: ServerMetrics

    mutating func buffer(count: Int, wait: Bool) async throws -> PooledPlaintext? {
        try await pool.lease(count: count, wait: wait)
    }

    mutating func write(_ buffer: consuming PooledPlaintext) async throws {
        let buffer = buffer
        let count = buffer.bytes.readableBytes
        if count > 0 { try await writer.write(buffer.bytes) }
        metrics.bytesServed.increment(by: Int64(count))
        buffer.lease.release()
    }
}
