internal import CSodium

/// The AEAD that seals a recording's chunks; its raw value is the header's algorithm byte.
public enum ChunkAlgorithm: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// AES-256-GCM (libsodium `crypto_aead_aes256gcm_*`, 96-bit nonce). Needs AES-NI and PCLMUL.
    case aes256gcm = 1
    /// XChaCha20-Poly1305 (libsodium `crypto_aead_xchacha20poly1305_ietf_*`, 192-bit nonce). Always available.
    case xchacha20poly1305 = 2

    /// AES-256-GCM where the CPU accelerates it, XChaCha20-Poly1305 otherwise.
    public static var preferred: ChunkAlgorithm {
        ChunkAlgorithm.aes256gcm.isAvailable ? .aes256gcm : .xchacha20poly1305
    }

    /// Whether this machine can seal and open chunks with this algorithm.
    public var isAvailable: Bool {
        // crypto_aead_aes256gcm_is_available reads CPU features that sodium_init detects.
        guard Sodium.isReady else { return false }
        switch self {
        case .aes256gcm: return crypto_aead_aes256gcm_is_available() != 0
        case .xchacha20poly1305: return true
        }
    }

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

    /// The AEAD nonce length in bytes.
    var nonceLength: Int {
        switch self {
        case .aes256gcm: return Int(crypto_aead_aes256gcm_NPUBBYTES)
        case .xchacha20poly1305: return Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
        }
    }
}
