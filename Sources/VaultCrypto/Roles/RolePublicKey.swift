internal import CSodium
internal import Foundation

/// A role's X25519 public key (clinician, supervisor, trainer, …): what recordings' data keys are
/// wrapped to.
///
/// Codable as a single base64 string (standard alphabet, padded).
public struct RolePublicKey: Sendable, Hashable, Codable {
    /// The key length: 32 bytes.
    public static let byteCount = Int(crypto_box_PUBLICKEYBYTES)
    /// The domain-separation prefix hashed in front of the key to form ``keyID``.
    static let keyIDDomain: [UInt8] = Array("sessionvault.role-key.v1".utf8)

    /// The 32 key bytes.
    public let bytes: [UInt8]

    /// - Throws: ``CryptoError/invalidKeyLength(what:expected:got:)`` unless `bytes` holds 32 bytes.
    public init(bytes: [UInt8]) throws {
        try self.init(checked: bytes)
    }

    /// As ``init(bytes:)``, with a typed error.
    init(checked bytes: [UInt8]) throws(CryptoError) {
        try Sodium.initialize()
        guard bytes.count == Self.byteCount else {
            throw .invalidKeyLength(what: "role public key", expected: Self.byteCount, got: bytes.count)
        }
        self.bytes = bytes
    }

    /// A short, stable name for the key: 16 lowercase hex characters, the first 8 bytes of
    /// BLAKE2b-256(`"sessionvault.role-key.v1"` ‖ key).
    public var keyID: String {
        Hex.encode(GenericHash.blake2b256(Self.keyIDDomain + bytes).prefix(8))
    }

    /// Decodes the base64 string form, checking the length.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let data = Data(base64Encoded: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "role public key is not base64")
        }
        do {
            try self.init(checked: Array(data))
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the key as one base64 string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Data(bytes).base64EncodedString())
    }
}
