/// The AEAD that seals a recording's chunks; its raw value is the header's algorithm byte.
///
/// The type and its names live in the shared model, so catalog rows can hold it; whether this
/// machine can use it, and its nonce length, are VaultCrypto's extensions.
public enum ChunkAlgorithm: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// AES-256-GCM (OpenSSL's EVP `AES-256-GCM`, 96-bit nonce). Used only with AES-NI and PCLMUL.
    case aes256gcm = 1
    /// XChaCha20-Poly1305 (libsodium `crypto_aead_xchacha20poly1305_ietf_*`, 192-bit nonce). Always available.
    case xchacha20poly1305 = 2

    /// Parses the names used in configuration files and manifests: `"aes256gcm"`, `"xchacha20poly1305"`.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = match
    }

    /// The configuration name: `"aes256gcm"` or `"xchacha20poly1305"`.
    public var description: String {
        switch self {
        case .aes256gcm: return "aes256gcm"
        case .xchacha20poly1305: return "xchacha20poly1305"
        }
    }
}
