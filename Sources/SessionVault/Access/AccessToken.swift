import Foundation
import VaultCrypto

/// A user's access token: 32 random bytes shown once as `svt_` + base64url. Only its SHA-256 is
/// stored; a presented token is hashed and the hashes compared in constant time.
public enum AccessToken {
    public static let prefix = "svt_"
    static let randomBytes = 32
    /// `svt_` + 43 base64url characters (32 bytes, unpadded).
    static let textLength = prefix.count + 43

    /// A fresh token (text, shown once) and its hash (stored).
    public static func generate() throws -> (token: String, hash: [UInt8]) {
        let secret = try SecureBytes.random(count: randomBytes)
        let text = prefix + secret.withUnsafeBytes { base64url(Array($0)) }
        return (text, hash(text))
    }

    /// SHA-256 of the token text.
    public static func hash(_ token: String) -> [UInt8] { ChunkDigest.sha256(Array(token.utf8)) }

    /// True if `token` has the shape of an access token (checked before any lookup).
    public static func isWellFormed(_ token: String) -> Bool {
        guard token.utf8.count == textLength, token.hasPrefix(prefix) else { return false }
        return token.utf8.dropFirst(prefix.count).allSatisfy { c in
            (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 45 || c == 95
        }
    }

    /// Whether a stored hash matches a presented token, in constant time.
    public static func matches(storedHash: [UInt8], token: String) -> Bool {
        ConstantTime.equals(storedHash, hash(token))
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
