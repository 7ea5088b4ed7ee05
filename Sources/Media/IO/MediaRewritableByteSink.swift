public import VaultModel

/// A forward-only destination for the muxers' output: Media's name for `ByteSink` (VaultModel), the
/// one byte-sink protocol the vault also streams plaintext into, so a file or stdout sink serves both.
public typealias MediaByteSink = ByteSink

/// A sink that can also overwrite bytes it was given earlier (a file, a buffer).
///
/// When the sink offers this, the WebM muxer streams clusters straight through and patches the
/// header (duration, index position) at the end instead of holding the clusters in memory.
public protocol MediaRewritableByteSink: ByteSink {
    /// Replaces `bytes.count` bytes starting at `offset`, all of which were written before.
    mutating func rewrite(at offset: Int64, with bytes: [UInt8]) async throws
}

/// A sink that collects the output in memory.
public struct MemoryByteSink: MediaRewritableByteSink, Sendable {
    /// Everything written so far.
    public private(set) var bytes: [UInt8] = []

    /// Creates an empty sink.
    public init() {}

    public mutating func write(_ bytes: ArraySlice<UInt8>) async throws {
        self.bytes.append(contentsOf: bytes)
    }

    public mutating func rewrite(at offset: Int64, with bytes: [UInt8]) async throws {
        guard offset >= 0, Int(offset) + bytes.count <= self.bytes.count else {
            throw MediaError(.sinkFailed, "rewrite outside the bytes written so far", offset: offset)
        }
        self.bytes.replaceSubrange(Int(offset)..<Int(offset) + bytes.count, with: bytes)
    }
}
