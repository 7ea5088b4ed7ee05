import Foundation

/// The checks an ID token passes before anyone is signed in (OpenID Connect Core §3.1.3.7): a
/// compact JWS with an allow-listed algorithm, signed by one of the provider's keys; issued by
/// the configured issuer, for this client, unexpired and not issued in the future (within the
/// allowed clock skew), carrying the nonce of the sign-in it answers.
struct IDTokenValidator: Sendable {
    var issuer: String
    var clientID: String
    var clockSkew: TimeInterval
    /// An ID token older than this (plus the skew) is refused even if unexpired: a code-flow
    /// token is fetched seconds after it is issued.
    var maxAge: TimeInterval = 600

    /// The verified claims. `keys` finds the provider key for a `kid` and algorithm (refetching
    /// the key set once for an unknown `kid`).
    func validate(_ token: String, nonce: String, now: Date,
                  keys: (String?, SignatureAlgorithm) async throws(SignInFailure) -> SignatureVerifier) async throws(SignInFailure) -> IDTokenClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]) else { throw .invalidToken("not a signed JWT") }
        guard let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any] else {
            throw .invalidToken("unreadable header")
        }
        guard let algName = header["alg"] as? String, let algorithm = SignatureAlgorithm(rawValue: algName) else {
            throw .invalidToken("signature algorithm '\(String(describing: header["alg"] ?? "none").prefix(20))' is not allowed (RS256, ES256)")
        }
        if header["crit"] != nil { throw .invalidToken("critical header extensions are not supported") }
        let kid = header["kid"] as? String
        let verifier = try await keys(kid, algorithm)
        let signingInput = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
        guard verifier.isValid(signature: signature, over: signingInput) else { throw .invalidToken("bad signature") }

        guard let payload = try? JSONSerialization.jsonObject(with: Data(payloadBytes)) as? [String: Any] else {
            throw .invalidToken("unreadable claims")
        }
        let claims = IDTokenClaims(payload)
        guard claims.issuer == issuer else { throw .invalidToken("issued by another issuer") }
        guard claims.audience.contains(clientID) else { throw .invalidToken("issued for another client (audience)") }
        if claims.audience.count > 1, claims.authorizedParty != clientID { throw .invalidToken("issued for several clients, not authorized for this one") }
        guard let expiry = claims.expiry, let issuedAt = claims.issuedAt else { throw .invalidToken("no expiry or issue time") }
        let nowSeconds = now.timeIntervalSince1970
        guard nowSeconds < expiry + clockSkew else { throw .invalidToken("expired") }
        guard issuedAt <= nowSeconds + clockSkew else { throw .invalidToken("issued in the future") }
        guard issuedAt >= nowSeconds - maxAge - clockSkew else { throw .invalidToken("issued too long ago") }
        guard let stated = claims.nonce, stated == nonce else { throw .invalidToken("nonce does not match the sign-in") }
        return claims
    }
}

/// The claims of a verified ID token that the service reads (string claims are kept; numbers,
/// objects and the rest are not).
struct IDTokenClaims: Sendable {
    let issuer: String?
    let audience: [String]
    let authorizedParty: String?
    let expiry: TimeInterval?
    let issuedAt: TimeInterval?
    let nonce: String?
    /// Every claim that holds a string (one element) or a list of strings.
    private let text: [String: [String]]
    private let single: Set<String>

    init(_ payload: [String: Any]) {
        issuer = payload["iss"] as? String
        if let one = payload["aud"] as? String { audience = [one] } else { audience = payload["aud"] as? [String] ?? [] }
        authorizedParty = payload["azp"] as? String
        expiry = (payload["exp"] as? NSNumber)?.doubleValue
        issuedAt = (payload["iat"] as? NSNumber)?.doubleValue
        nonce = payload["nonce"] as? String
        var text: [String: [String]] = [:]
        var single: Set<String> = []
        for (name, value) in payload {
            if let one = value as? String {
                text[name] = [one]
                single.insert(name)
            } else if let list = value as? [Any] {
                text[name] = list.compactMap { $0 as? String }
            }
        }
        self.text = text
        self.single = single
    }

    /// A claim holding one string.
    func string(_ name: String) -> String? { single.contains(name) ? text[name]?.first : nil }

    /// A claim holding strings: a list, or one string.
    func strings(_ name: String) -> [String] { text[name] ?? [] }
}
