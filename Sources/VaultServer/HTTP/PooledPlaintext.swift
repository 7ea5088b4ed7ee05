import Hummingbird
import NIOCore
import SessionVault

/// A buffer of the ``PlaintextBufferPool`` that the vault decrypts into and the response sends.
struct PooledPlaintext: PlaintextBuffer {
    var bytes: ByteBuffer
    let lease: PlaintextLease

    mutating func decrypt(count: Int, keeping kept: Range<Int>, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        precondition(kept.lowerBound >= 0 && kept.upperBound <= count, "kept bytes outside the decrypted ones")
        // The task that decrypts holds a copy of this buffer (its closure captured it), so the storage
        // is shared here: writing into it would copy all of it first (measured: 12 % of the service's
        // CPU). clear(minimumCapacity:) keeps storage held only here and otherwise allocates anew,
        // without a copy.
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
