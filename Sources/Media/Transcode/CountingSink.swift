import VaultModel

/// Wraps a sink to count the bytes written through it.
struct CountingSink<Base: ByteSink>: ByteSink {
    var base: Base
    private(set) var count: Int64 = 0

    init(_ base: Base) {
        self.base = base
    }

    mutating func write(_ bytes: ArraySlice<UInt8>) async throws {
        try await base.write(bytes)
        count += Int64(bytes.count)
    }
}

extension CountingSink: MediaRewritableByteSink where Base: MediaRewritableByteSink {
    mutating func rewrite(at offset: Int64, with bytes: [UInt8]) async throws {
        try await base.rewrite(at: offset, with: bytes)
    }
}
