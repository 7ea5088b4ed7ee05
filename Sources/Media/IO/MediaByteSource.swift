/// A forward-only stream of input bytes, such as a decrypting reader over the vault's store.
///
/// `read(maxCount:)` returns between 1 and `maxCount` bytes, or `nil` at the end of the stream.
/// The Media module reads each source once, front to back, and never asks to seek.
public protocol MediaByteSource {
    /// Returns the next bytes (at most `maxCount`, at least one), or `nil` at the end of the stream.
    mutating func read(maxCount: Int) async throws -> [UInt8]?
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
