internal import CSodium

/// The vault's key for patient pseudonyms: a keyed hash that lets the index find a patient's recordings
/// without storing the identifier, and that cannot be reversed by hashing every NHS number without the key.
public struct PseudonymKey: Sendable {
    /// The key length: 32 bytes.
    public static let byteCount = Int(crypto_generichash_KEYBYTES)
    /// Domain separation: `"sessionvault.patient.v1"` followed by a NUL byte.
    static let domain: [UInt8] = Array("sessionvault.patient.v1".utf8) + [0]

    /// The key bytes, in guarded memory.
    public let bytes: SecureBytes

    /// A new random key.
    public static func generate() throws -> PseudonymKey {
        try PseudonymKey(checked: SecureBytes(randomCount: byteCount))
    }

    /// Adopts existing key bytes.
    /// - Throws: ``CryptoError/invalidKeyLength(what:expected:got:)`` unless `bytes` holds 32 bytes.
    public init(bytes: SecureBytes) throws {
        try self.init(checked: bytes)
    }

    init(checked bytes: SecureBytes) throws(CryptoError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidKeyLength(what: "pseudonym key", expected: Self.byteCount, got: bytes.count)
        }
        self.bytes = bytes
    }

    /// The pseudonym of a patient identifier: 64 lowercase hex characters of keyed
    /// BLAKE2b-256(key, `"sessionvault.patient.v1\0"` ‖ UTF-8 of ``normalize(_:)``(identifier)).
    ///
    /// Formatting differences vanish: `"943 476 5919"`, `" 943-476-5919 "` and `"9434765919"` give the
    /// same pseudonym. An identifier that normalises to the empty string still gets a pseudonym (that of
    /// the empty string); callers validate identifiers before pseudonymising them.
    public func pseudonym(of identifier: String) -> String {
        let message = Self.domain + Array(Self.normalize(identifier).utf8)
        let digest = bytes.withUnsafeBytes { GenericHash.blake2b256(message, key: $0) }
        return Hex.encode(digest)
    }
}
