/// Who can open an age file: whoever knows a passphrase, or whoever holds the identity (secret key) of
/// an X25519 recipient.
///
/// A file has exactly one recipient here. The age spec allows several X25519 stanzas but requires a
/// scrypt stanza to be the only one in its header; one recipient per export keeps both cases simple.
public enum AgeRecipient: Sendable {
    /// A passphrase, stretched with scrypt(N = 2^`workFactor`, r = 8, p = 1). The patient types it at
    /// `age -d`'s prompt, so it must be non-empty and free of control characters.
    case scrypt(passphrase: SecureBytes, workFactor: Int = AgeRecipient.defaultScryptWorkFactor)
    /// An X25519 public key in age's Bech32 form, `age1…` (what `age-keygen` prints as "public key").
    case x25519(String)

    /// age's own default: log2 N = 18, 256 MiB and about a second of work on a current machine.
    public static let defaultScryptWorkFactor = 18
    /// The largest log2 N that stock `age` decrypts (its `ScryptIdentity` caps at 22: 4 GiB, ~15 s).
    /// A file above it opens only with `age`'s library API, so this writer never produces one.
    public static let maximumScryptWorkFactor = 22
    /// The smallest log2 N accepted: 2^10 is far too weak for a real export and exists for tests; the
    /// export should use the default.
    public static let minimumScryptWorkFactor = 10
    /// The work factors this writer accepts.
    public static var scryptWorkFactors: ClosedRange<Int> { minimumScryptWorkFactor...maximumScryptWorkFactor }

    /// Checks the recipient without doing any expensive work (no scrypt), so a command can refuse bad
    /// input before it starts streaming.
    ///
    /// - Throws: ``AgeError/invalidRecipient(reason:)``, ``AgeError/wrongRecipientType(hrp:)``,
    ///   ``AgeError/emptyPassphrase``, ``AgeError/untypablePassphrase(offset:)`` or
    ///   ``AgeError/workFactorOutOfRange(_:allowed:)``.
    public func validate() throws(AgeError) {
        switch self {
        case .scrypt(let passphrase, let workFactor):
            guard Self.scryptWorkFactors.contains(workFactor) else {
                throw .workFactorOutOfRange(workFactor, allowed: Self.scryptWorkFactors)
            }
            guard passphrase.count > 0 else { throw .emptyPassphrase }
            let offending = passphrase.withUnsafeBytes { bytes in bytes.firstIndex { $0 < 0x20 || $0 == 0x7f } }
            if let offending { throw .untypablePassphrase(offset: offending) }
        case .x25519(let recipient):
            _ = try X25519Recipient(parsing: recipient)
        }
    }
}
