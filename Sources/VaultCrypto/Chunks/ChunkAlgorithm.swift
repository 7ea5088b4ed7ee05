internal import CSodium

extension ChunkAlgorithm {
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

    /// The AEAD nonce length in bytes.
    var nonceLength: Int {
        switch self {
        case .aes256gcm: return Int(crypto_aead_aes256gcm_NPUBBYTES)
        case .xchacha20poly1305: return Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
        }
    }
}
