internal import Crypto

/// Incremental SHA-256 for data that arrives in pieces (a whole recording, a file being scrubbed).
public struct StreamingSHA256: Sendable {
    private var hasher = SHA256()

    /// A hasher that has seen no bytes.
    public init() {}

    /// Feeds the next bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    /// Feeds the next bytes.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The 32-byte digest of everything fed so far. The hasher itself is left unchanged.
    public func finalize() -> [UInt8] {
        Array(hasher.finalize())
    }
}
