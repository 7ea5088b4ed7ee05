/// A recording's 256-bit data key: seals its chunks and keys its manifest MAC.
///
/// Generated fresh for every recording and stored only wrapped (``KeyWrap``) for each role allowed to
/// read the recording; destroying every wrap crypto-shreds the recording.
public struct DataKey: Sendable {
    /// The key length: 32 bytes.
    public static let byteCount = 32

    /// The key bytes, in guarded memory.
    public let bytes: SecureBytes

    /// A new random key from libsodium's CSPRNG.
    public static func generate() throws -> DataKey {
        try DataKey(checked: SecureBytes(randomCount: byteCount))
    }

    /// Adopts existing key bytes.
    /// - Throws: ``CryptoError/invalidKeyLength(what:expected:got:)`` unless `bytes` holds 32 bytes.
    public init(bytes: SecureBytes) throws {
        try self.init(checked: bytes)
    }

    /// As ``init(bytes:)``, with a typed error.
    init(checked bytes: SecureBytes) throws(CryptoError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidKeyLength(what: "data key", expected: Self.byteCount, got: bytes.count)
        }
        self.bytes = bytes
    }
}
