/// A forward-only destination for output bytes, such as an encrypting writer into the vault's store.
///
/// Sinks are value or reference types passed `inout`; the Media module calls `write` in order and
/// never from more than one task at a time.
public protocol MediaByteSink {
    /// Appends `bytes` to the output.
    mutating func write(_ bytes: [UInt8]) async throws
}

/// A sink that can also overwrite bytes it was given earlier (a file, a buffer).
///
/// When the sink offers this, the WebM muxer streams clusters straight through and patches the
/// header (duration, index position) at the end instead of holding the clusters in memory.
public protocol MediaRewritableByteSink: MediaByteSink {
    /// Replaces `bytes.count` bytes starting at `offset`, all of which were written before.
    mutating func rewrite(at offset: Int64, with bytes: [UInt8]) async throws
}

/// A sink that collects the output in memory.
public struct MemoryByteSink: MediaRewritableByteSink, Sendable {
    /// Everything written so far.
    public private(set) var bytes: [UInt8] = []

    /// Creates an empty sink.
    public init() {}

    public mutating func write(_ bytes: [UInt8]) async throws {
        self.bytes.append(contentsOf: bytes)
    }

    public mutating func rewrite(at offset: Int64, with bytes: [UInt8]) async throws {
        guard offset >= 0, Int(offset) + bytes.count <= self.bytes.count else {
            throw MediaError(.sinkFailed, "rewrite outside the bytes written so far", offset: offset)
        }
        self.bytes.replaceSubrange(Int(offset)..<Int(offset) + bytes.count, with: bytes)
    }
}
