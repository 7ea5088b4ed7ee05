import Hummingbird
import NIOCore
import SessionVault

/// Adapts a streaming request body to the vault's ``ChunkReader``: network buffers are copied
/// into one chunk buffer at a time, so an upload of any size holds at most the ingest window in
/// memory. Exceeding `limit` bytes fails the ingest (which removes what it wrote) with 413.
struct RequestBodyChunkReader: ChunkReader {
    var iterator: RequestBody.AsyncIterator
    var pending: ByteBuffer?
    let limit: Int64
    let metrics: ServerMetrics
    private(set) var received: Int64 = 0

    init(body: RequestBody, limit: Int64, metrics: ServerMetrics) {
        iterator = body.makeAsyncIterator()
        self.limit = limit
        self.metrics = metrics
    }

    mutating func nextChunk(size: Int, headroom: Int, tailroom: Int) async throws -> PlainChunk {
        try await nextChunk(size: size, headroom: headroom, tailroom: tailroom, pool: ChunkBufferPool(limit: 0))
    }

    mutating func nextChunk(size: Int, headroom: Int, tailroom: Int, pool: ChunkBufferPool) async throws -> PlainChunk {
        var buffer = pool.take(count: headroom + size + tailroom)
        var filled = 0
        while filled < size {
            if pending == nil || pending!.readableBytes == 0 {
                guard let next = try await iterator.next() else {
                    pending = nil
                    break
                }
                received += Int64(next.readableBytes)
                metrics.bytesReceived.increment(by: Int64(next.readableBytes))
                guard received <= limit else { throw APIError(.contentTooLarge, "the upload exceeds the limit of \(limit) bytes") }
                pending = next
            }
            let take = min(size - filled, pending!.readableBytes)
            buffer.withUnsafeMutableBytes { raw in
                pending!.withUnsafeReadableBytes { source in
                    (raw.baseAddress! + headroom + filled).copyMemory(from: source.baseAddress!, byteCount: take)
                }
            }
            pending!.moveReaderIndex(forwardBy: take)
            filled += take
        }
        buffer.withUnsafeMutableBytes { PlainChunk.zeroUnfilled($0, headroom: headroom, filled: filled) }
        return PlainChunk(buffer: buffer, headroom: headroom, count: filled)
    }
}
