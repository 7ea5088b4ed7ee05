public import VaultCrypto

/// The check a new passphrase passes before anything is sealed under it: the vault passphrase at
/// `init`, a role's at `role add`, an officer's at `user add --officer-key`, a checkpoint signer's
/// at `audit signer add`.
///
/// Argon2id makes each guess slow; it cannot make a guessable passphrase safe. An attacker with a
/// copy of the keyring tries the most common passphrases first, so a passphrase is refused when:
/// - it is shorter than ``minimumLength`` characters (Unicode scalars, so accents count once);
/// - it is one character repeated;
/// - it is, ignoring ASCII case, one of a small built-in list of the most common long passwords
///   (``common``).
/// This is a floor, not a meter: a long phrase of several random words (a diceware phrase) is what
/// to choose. The passphrase is examined in place, never copied out of its guarded memory.
public enum PassphraseStrength {
    /// The fewest characters a new passphrase may have.
    public static let minimumLength = 12

    /// Long passwords among the most common in published breach corpora (and this product's own
    /// name), compared ignoring ASCII case. Shorter common ones already fail ``minimumLength``.
    static let common: [String] = [
        "123456789012", "1234567890123", "12345678901234", "123456789123", "123456123456", "123123123123",
        "password1234", "password12345", "password123456", "passwordpassword", "passw0rd1234", "p@ssw0rd1234", "p@ssword1234",
        "qwerty123456", "qwertyuiop12", "qwertyuiop123", "qwertyqwerty", "1q2w3e4r5t6y", "iloveyou1234", "letmein12345",
        "welcome12345", "administrator", "abc123abc123", "abcdefghijkl", "changemechangeme", "trustno1trustno1",
        "sessionvault", "sessionvault1", "sessionvault123", "sessionvault1234",
    ]

    /// Throws ``VaultError/weakPassphrase(what:reason:)`` if `passphrase` fails the check; `what`
    /// names what it would protect ("role 'clinician'").
    public static func check(_ passphrase: SecureBytes, for what: String) throws(VaultError) {
        if let reason = weakness(passphrase) { throw VaultError.weakPassphrase(what: what, reason: reason) }
    }

    /// Why `passphrase` is too weak, or nil.
    static func weakness(_ passphrase: SecureBytes) -> String? {
        passphrase.withUnsafeBytes { bytes -> String? in
            // UTF-8: every byte that is not a continuation byte starts a scalar.
            let characters = bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
            if characters < minimumLength { return "shorter than \(minimumLength) characters" }
            if let first = bytes.first, bytes.allSatisfy({ $0 == first }) { return "one character repeated" }
            for word in common where word.utf8.count == bytes.count {
                if zip(word.utf8, bytes).allSatisfy({ lowercased($0) == lowercased($1) }) { return "one of the most common passphrases" }
            }
            return nil
        }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte + 32 : byte }
}
