/// The textual header of an age v1 file: version line, stanzas, and the MAC line.
enum AgeHeader {
    /// The first line of every v1 file.
    static let versionLine = Array("age-encryption.org/v1\n".utf8)
    /// The start of the MAC line; the MAC covers the header up to and including these three bytes.
    static let macMarker = Array("---".utf8)
    /// The HKDF info of the header MAC key.
    static let macKeyInfo = Array("header".utf8)

    /// The complete header: `age-encryption.org/v1`, the stanzas, and `--- MAC`, where MAC is
    /// HMAC-SHA-256 under HKDF-SHA-256(ikm = file key, salt = empty, info = "header") of everything
    /// before the space that follows `---`.
    static func encode(_ stanzas: [AgeStanza], fileKey: SecureBytes) throws(AgeError) -> [UInt8] {
        precondition(!stanzas.isEmpty, "an age header has at least one stanza")
        var header = versionLine
        for stanza in stanzas { header += stanza.encoded }
        header += macMarker
        let mac = try AgeError.lifting { () throws(CryptoError) in try Self.mac(of: header, fileKey: fileKey) }
        header += Array((" " + AgeBase64.encode(mac) + "\n").utf8)
        return header
    }

    /// HMAC-SHA-256 of `text` under the header MAC key derived from `fileKey`.
    static func mac(of text: [UInt8], fileKey: SecureBytes) throws(CryptoError) -> [UInt8] {
        let key = try HKDFSHA256.deriveKey(ikm: fileKey, salt: [], info: macKeyInfo)
        var mac = [UInt8](repeating: 0, count: HKDFSHA256.byteCount)
        key.withUnsafeBytes { key in
            text.withUnsafeBytes { text in
                mac.withUnsafeMutableBytes { mac in HKDFSHA256.hmac(key: key, parts: [text], into: mac) }
            }
        }
        return mac
    }
}
