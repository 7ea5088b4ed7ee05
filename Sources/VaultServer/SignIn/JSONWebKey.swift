import Crypto
import CryptoExtras
import Foundation

/// One public key from the provider's JWKS (RFC 7517), as far as ID-token checks need it.
struct JSONWebKey: Decodable, Sendable {
    var kty: String
    var kid: String?
    var use: String?
    var alg: String?
    // RSA
    var n: String?
    var e: String?
    // EC
    var crv: String?
    var x: String?
    var y: String?

    /// A key set document: `{"keys": [...]}`.
    struct Set: Decodable, Sendable {
        var keys: [JSONWebKey]
    }

    /// The verifying key for `algorithm`, or nil when this key is not one for it (another key
    /// type or curve, a key meant for encryption, an RSA key under 2048 bits, malformed numbers).
    func verifier(for algorithm: SignatureAlgorithm) -> SignatureVerifier? {
        if let use, use != "sig" { return nil }
        if let alg, alg != algorithm.rawValue { return nil }
        switch algorithm {
        case .rs256:
            guard kty == "RSA", let n = n.flatMap(Base64URL.decode), let e = e.flatMap(Base64URL.decode),
                  let key = try? _RSA.Signing.PublicKey(n: n, e: e), key.keySizeInBits >= 2048 else { return nil }
            return .rsa(key)
        case .es256:
            guard kty == "EC", crv == "P-256", let x = x.flatMap(Base64URL.decode), let y = y.flatMap(Base64URL.decode),
                  x.count == 32, y.count == 32, let key = try? P256.Signing.PublicKey(rawRepresentation: x + y) else { return nil }
            return .p256(key)
        }
    }
}

/// The signature algorithms accepted on ID tokens. `none`, the HMAC family (which would let
/// anyone holding the client secret mint tokens) and everything else are refused.
enum SignatureAlgorithm: String, Sendable, CaseIterable {
    case rs256 = "RS256"
    case es256 = "ES256"
}

/// A provider key able to check one algorithm's signatures.
enum SignatureVerifier: Sendable {
    case rsa(_RSA.Signing.PublicKey)
    case p256(P256.Signing.PublicKey)

    func isValid(signature: [UInt8], over input: [UInt8]) -> Bool {
        let digest = SHA256.hash(data: input)
        switch self {
        case .rsa(let key):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5)
        case .p256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: digest)
        }
    }
}
