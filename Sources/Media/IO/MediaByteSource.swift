/// A forward-only stream of input bytes, such as a decrypting reader over the vault's store.
///
/// `read(maxCount:)` returns between 1 and `maxCount` bytes, or `nil` at the end of the stream.
/// The Media module reads each source once, front to back, and never asks to seek.
public protocol MediaByteSource {
    /// Returns the next bytes (at most `maxCount`, at least one), or `nil` at the end of the stream.
    mutating func read(maxCount: Int) async throws -> [UInt8]?
}

extension MediaByteSource {
    /// The next bytes for a demuxer that has read `offset` bytes so far, or nil at the end of the
    /// input. A cancelled task, or a failure of the source, is a ``MediaError`` (the latter at `offset`).
    mutating func demuxerRead(maxCount: Int, offset: Int64) async throws(MediaError) -> [UInt8]? {
        if Task.isCancelled { throw MediaError(.cancelled, "demuxing was cancelled") }
        let chunk: [UInt8]?
        do {
            chunk = try await read(maxCount: maxCount)
        } catch {
            throw MediaError(.sourceFailed, "reading the input failed", offset: offset, cause: error)
        }
        guard let chunk, !chunk.isEmpty else { return nil }
        return chunk
    }
}

/// A byte source over an array in memory; useful for tests and small inputs.
public struct MemoryByteSource: MediaByteSource, Sendable {
    private let bytes: [UInt8]
    private var offset = 0
    private let chunkSize: Int

    /// Creates a source that hands out `bytes` in chunks of at most `chunkSize` bytes.
    public init(_ bytes: [UInt8], chunkSize: Int = 1 << 16) {
        self.bytes = bytes
        self.chunkSize = max(1, chunkSize)
    }

    public mutating func read(maxCount: Int) async throws -> [UInt8]? {
        guard offset < bytes.count else { return nil }
        let end = min(bytes.count, offset + min(max(1, maxCount), chunkSize))
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}
