/// Everything that can go wrong while writing an age file.
///
/// No case carries a passphrase, a key, plaintext or a recipient string: recipients may be linked to a
/// patient, so errors name the rule that was broken, not the value that broke it.
public enum AgeError: Error, Equatable, CustomStringConvertible {
    /// The recipient is not a well-formed Bech32 string; `reason` names the rule (case, separator,
    /// character set, checksum, padding, key length).
    case invalidRecipient(reason: String)
    /// The recipient is valid Bech32 but not an X25519 age recipient: its human-readable part is `hrp`.
    case wrongRecipientType(hrp: String)
    /// X25519 with this recipient gives the all-zero shared secret (a low-order point): no one could decrypt.
    case lowOrderRecipient
    /// The passphrase is empty; `age` refuses empty passphrases.
    case emptyPassphrase
    /// The passphrase contains a byte `age` cannot read from a terminal (a control character such as a
    /// newline), at this zero-based offset.
    case untypablePassphrase(offset: Int)
    /// The scrypt work factor (log2 N) is outside what this writer produces; stock `age` refuses to
    /// decrypt above ``AgeRecipient/maximumScryptWorkFactor``.
    case workFactorOutOfRange(Int, allowed: ClosedRange<Int>)
    /// scrypt could not run at this work factor (typically: not enough memory, 128 × 8 × 2^logN bytes).
    case scryptFailed(logN: Int)
    /// `write` or `finish` was called after `finish`.
    case alreadyFinished
    /// An earlier write to the output failed; the partial file is unusable and the writer refuses more work.
    case outputFailedEarlier
    /// A lower-level cryptographic failure (secure memory, libsodium).
    case crypto(CryptoError)

    /// A one-line, log-safe explanation.
    public var description: String {
        switch self {
        case .invalidRecipient(let reason):
            return "age recipient is not valid: \(reason)"
        case .wrongRecipientType(let hrp):
            if hrp.lowercased() == "age-secret-key-" {
                return "that is an age identity (a secret key), not a recipient: pass its age1… public key"
            }
            return "age recipient has prefix '\(hrp)', expected an X25519 recipient starting 'age1'"
        case .lowOrderRecipient:
            return "age recipient is a low-order X25519 point; a file encrypted to it could not be decrypted"
        case .emptyPassphrase:
            return "age passphrase must not be empty"
        case .untypablePassphrase(let offset):
            return "age passphrase has a control character at byte \(offset); it could not be typed at age's prompt"
        case .workFactorOutOfRange(let logN, let allowed):
            return "scrypt work factor \(logN) is outside \(allowed.lowerBound)...\(allowed.upperBound)"
                + " (stock age refuses to decrypt above \(allowed.upperBound))"
        case .scryptFailed(let logN):
            return "scrypt failed at work factor \(logN) (needs \(128 * 8) × 2^\(logN) bytes of memory)"
        case .alreadyFinished:
            return "age writer is already finished"
        case .outputFailedEarlier:
            return "age writer's output failed earlier; the partial file must be discarded"
        case .crypto(let error):
            return error.description
        }
    }
}

extension AgeError {
    /// Runs `body`, reporting a ``CryptoError`` as ``AgeError/crypto(_:)``.
    static func lifting<T>(_ body: () throws(CryptoError) -> T) throws(AgeError) -> T {
        do {
            return try body()
        } catch {
            throw .crypto(error)
        }
    }
}
