/// Everything that can go wrong in `VaultCrypto`.
///
/// Each case says what failed and on what (chunk index, header field, sizes). No case ever carries key
/// bytes, plaintext, passphrases or patient identifiers, so descriptions are safe to log. Recording ids,
/// chunk indices and lengths are not secret and do appear.
public enum CryptoError: Error, Equatable, CustomStringConvertible {
    /// `sodium_init` failed; no cryptography is possible in this process.
    case sodiumUnavailable
    /// `sodium_malloc` or `sodium_mprotect_*` failed for a secure allocation of this many bytes.
    case secureMemoryUnavailable(bytes: Int)
    /// Key material of the wrong length was supplied.
    case invalidKeyLength(what: String, expected: Int, got: Int)
    /// A recording id must be exactly 16 bytes.
    case invalidRecordingID(length: Int)
    /// The chunk algorithm is not usable on this machine (AES-256-GCM needs AES-NI and PCLMUL).
    case algorithmUnavailable(ChunkAlgorithm)
    /// A sealed chunk is shorter than header plus tag (56 bytes).
    case chunkTooShort(index: UInt64, count: Int)
    /// A plaintext chunk is longer than the 32-bit length field allows.
    case chunkTooLarge(index: UInt64, count: Int)
    /// A header field of a sealed chunk differs from what the reader expects.
    ///
    /// `field` is one of `"magic"`, `"version"`, `"algorithm"`, `"reserved"`, `"recordingID"`, `"index"`,
    /// `"lastFlag"`, `"flags"` (unknown flag bits), `"length"`. `expected` and `found` are rendered values
    /// (hex for byte strings, decimal for integers).
    case chunkHeaderMismatch(index: UInt64, field: String, expected: String, found: String)
    /// The header matched but the AEAD tag did not verify: the chunk was corrupted or forged.
    case chunkAuthenticationFailed(index: UInt64)
    /// Format 2: the tag of one segment of the chunk did not verify: corrupted, forged, or moved.
    case segmentAuthenticationFailed(index: UInt64, segment: Int)
    /// The caller's output buffer is too small.
    case outputTooSmall(needed: Int, got: Int)
    /// A passphrase-sealed secret did not open: wrong passphrase, wrong context, or tampered fields.
    case wrongPassphrase
    /// A passphrase-sealed secret is structurally invalid (the reason names the field, never its secret content).
    case malformedSealedSecret(String)
    /// Argon2id could not run with these parameters (typically: not enough memory).
    case keyDerivationFailed(opsLimit: UInt64, memLimit: UInt64)
    /// A sealed box or key wrap is not for this key pair, or is corrupt.
    case unwrapFailed
    /// A key wrap opened but names a different recording: it was moved from another recording's manifest.
    case wrapForOtherRecording
    /// A secret key does not belong to the public key it was paired with.
    case keyPairMismatch
    /// An Ed25519 signature did not verify.
    case signatureInvalid
    /// libsodium refused a public key (for example a low-order Curve25519 point).
    case invalidPublicKey(what: String)
    /// A libsodium call that should not fail on validated input returned an error code.
    case sodiumCallFailed(function: String, code: Int32)
    /// An OpenSSL call of the chunk cipher (AES-256-GCM) failed for another reason than a tag that
    /// does not verify (out of memory, a broken library).
    case openSSLCallFailed(function: String)
    /// A key sealed under an erasure-tree node (a node key or a tree wrap) does not open: the key it
    /// was sealed under is gone (erased) or the bytes are corrupt.
    case erasedOrCorrupt(what: String)

    /// A one-line, log-safe explanation.
    public var description: String {
        switch self {
        case .sodiumUnavailable:
            return "libsodium failed to initialise"
        case .secureMemoryUnavailable(let bytes):
            return "could not allocate or protect \(bytes) bytes of secure memory"
        case .invalidKeyLength(let what, let expected, let got):
            return "\(what) must be \(expected) bytes, got \(got)"
        case .invalidRecordingID(let length):
            return "recording id must be 16 bytes, got \(length)"
        case .algorithmUnavailable(let algorithm):
            return "chunk algorithm \(algorithm) is not available on this machine"
        case .chunkTooShort(let index, let count):
            return "chunk \(index): \(count) bytes is shorter than header and tag (56 bytes)"
        case .chunkTooLarge(let index, let count):
            return "chunk \(index): \(count) plaintext bytes exceed the 32-bit length field"
        case .chunkHeaderMismatch(let index, let field, let expected, let found):
            return "chunk \(index): header field \(field) is \(found), expected \(expected)"
        case .chunkAuthenticationFailed(let index):
            return "chunk \(index): authentication tag does not verify (corrupted or forged)"
        case .segmentAuthenticationFailed(let index, let segment):
            return "chunk \(index), segment \(segment): authentication tag does not verify (corrupted or forged)"
        case .outputTooSmall(let needed, let got):
            return "output buffer holds \(got) bytes, \(needed) needed"
        case .wrongPassphrase:
            return "wrong passphrase (or wrong context, or the sealed secret was altered)"
        case .malformedSealedSecret(let reason):
            return "malformed passphrase-sealed secret: \(reason)"
        case .keyDerivationFailed(let opsLimit, let memLimit):
            return "Argon2id failed with opsLimit \(opsLimit), memLimit \(memLimit) bytes (out of memory?)"
        case .erasedOrCorrupt(let what):
            return "\(what) does not open: its erasure key is gone (erased) or the bytes are corrupt"
        case .unwrapFailed:
            return "sealed box does not open with this key pair (wrong key or corrupt)"
        case .wrapForOtherRecording:
            return "key wrap belongs to a different recording"
        case .keyPairMismatch:
            return "secret key does not match public key"
        case .signatureInvalid:
            return "signature does not verify"
        case .invalidPublicKey(let what):
            return "\(what) was rejected by libsodium (invalid or low-order point)"
        case .sodiumCallFailed(let function, let code):
            return "\(function) failed with code \(code)"
        case .openSSLCallFailed(let function):
            return "OpenSSL \(function) failed"
        }
    }
}
