internal import CSodium

/// A parsed `age1…` recipient: the 32-byte X25519 public key inside the Bech32 string.
struct X25519Recipient: Sendable, Equatable {
    /// The Bech32 human-readable part of X25519 recipients.
    static let humanReadablePart = "age"
    /// The public key length: 32 bytes.
    static let keyByteCount = Int(crypto_scalarmult_curve25519_BYTES)

    /// The X25519 public key.
    let publicKey: [UInt8]

    /// Parses and checks an `age1…` string: Bech32 checksum, lowercase, prefix `age`, 32 key bytes.
    ///
    /// `age` itself refuses the all-uppercase spelling, so this does too.
    init(parsing string: String) throws(AgeError) {
        let (hrp, data) = try Bech32.decode(string)
        guard hrp == Self.humanReadablePart else { throw .wrongRecipientType(hrp: hrp) }
        guard !string.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else {
            throw .invalidRecipient(reason: "age recipients are written in lowercase")
        }
        guard data.count == Self.keyByteCount else {
            throw .invalidRecipient(reason: "holds \(data.count) bytes, an X25519 key is \(Self.keyByteCount)")
        }
        self.publicKey = data
    }

    /// A recipient for a raw public key.
    init(publicKey: [UInt8]) {
        precondition(publicKey.count == Self.keyByteCount, "X25519 public keys are 32 bytes")
        self.publicKey = publicKey
    }

    /// The `age1…` string of the key.
    var encoded: String { Bech32.encode(hrp: Self.humanReadablePart, data: publicKey) }
}
