internal import CSodium

/// Argon2id cost presets (libsodium's `crypto_pwhash_argon2id_*_INTERACTIVE / MODERATE / SENSITIVE`).
public enum KDFStrength: String, Sendable, Codable, CaseIterable {
    /// 2 passes over 64 MiB: for tests and frequently typed passphrases (~0.1 s).
    case interactive
    /// 3 passes over 256 MiB (~0.5–1 s).
    case moderate
    /// 4 passes over 1 GiB (several seconds): for recovery and long-lived role keys.
    case sensitive

    /// The Argon2id pass count.
    public var opsLimit: UInt64 {
        switch self {
        case .interactive: return UInt64(crypto_pwhash_argon2id_opslimit_interactive())
        case .moderate: return UInt64(crypto_pwhash_argon2id_opslimit_moderate())
        case .sensitive: return UInt64(crypto_pwhash_argon2id_opslimit_sensitive())
        }
    }

    /// The Argon2id memory cost in bytes.
    public var memLimit: UInt64 {
        switch self {
        case .interactive: return UInt64(crypto_pwhash_argon2id_memlimit_interactive())
        case .moderate: return UInt64(crypto_pwhash_argon2id_memlimit_moderate())
        case .sensitive: return UInt64(crypto_pwhash_argon2id_memlimit_sensitive())
        }
    }
}
