import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SessionVault

/// The organisation's OpenID Provider as the service talks to it: its discovery document
/// (fetched once and kept for an hour), its signing keys (kept until a token names a key the set
/// lacks, then fetched again, at most once per ``minimumKeyRefetch``, so a flood of made-up key
/// ids cannot turn the service against the provider), and the token endpoint.
actor OpenIDProvider {
    /// The endpoints of the discovery document the service uses.
    struct Metadata: Decodable, Sendable {
        var issuer: String
        var authorizationEndpoint: String
        var tokenEndpoint: String
        var jwksURI: String
        var endSessionEndpoint: String?

        enum CodingKeys: String, CodingKey {
            case issuer
            case authorizationEndpoint = "authorization_endpoint"
            case tokenEndpoint = "token_endpoint"
            case jwksURI = "jwks_uri"
            case endSessionEndpoint = "end_session_endpoint"
        }
    }

    let issuer: String
    let clientID: String
    let clientSecret: String
    let minimumKeyRefetch: TimeInterval
    let now: @Sendable () -> Date
    private let http: HTTPClient
    private var metadata: (value: Metadata, fetched: Date)?
    private var keys: [JSONWebKey] = []
    private var keysFetched: Date?

    static let metadataLifetime: TimeInterval = 3600
    static let requestTimeout = TimeAmount.seconds(10)
    static let maxDocumentBytes = 1 << 20

    init(issuer: String, clientID: String, clientSecret: String, minimumKeyRefetch: TimeInterval, now: @escaping @Sendable () -> Date,
         http: HTTPClient = .shared) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.minimumKeyRefetch = minimumKeyRefetch
        self.now = now
        self.http = http
    }

    /// The discovery document, fetched when missing or older than an hour. Refused when it names
    /// another issuer, or an endpoint that is neither HTTPS nor loopback.
    func discovery() async throws(SignInFailure) -> Metadata {
        if let metadata, now().timeIntervalSince(metadata.fetched) < Self.metadataLifetime { return metadata.value }
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        let document: Metadata = try await fetchJSON(base + "/.well-known/openid-configuration", what: "discovery document")
        guard document.issuer == issuer else { throw .unknownIssuer(document.issuer) }
        for url in [document.authorizationEndpoint, document.tokenEndpoint, document.jwksURI] + (document.endSessionEndpoint.map { [$0] } ?? []) {
            if SignInSettings.urlProblem(url) != nil { throw .providerUnavailable("the discovery document names an endpoint that is not HTTPS") }
        }
        metadata = (document, now())
        return document
    }

    /// The provider key that signs with `algorithm` under `kid` (or its only such key when the
    /// token names none). An unknown `kid` fetches the key set again (the provider rotated its
    /// keys), unless it was fetched less than ``minimumKeyRefetch`` ago.
    func verifier(kid: String?, algorithm: SignatureAlgorithm) async throws(SignInFailure) -> SignatureVerifier {
        if keysFetched == nil { try await refreshKeys() }
        if let found = match(kid: kid, algorithm: algorithm) { return found }
        if let fetched = keysFetched, now().timeIntervalSince(fetched) < minimumKeyRefetch {
            throw .invalidToken("signed with a key the provider does not publish")
        }
        try await refreshKeys()
        guard let found = match(kid: kid, algorithm: algorithm) else { throw .invalidToken("signed with a key the provider does not publish") }
        return found
    }

    private func match(kid: String?, algorithm: SignatureAlgorithm) -> SignatureVerifier? {
        let usable = keys.compactMap { key in key.verifier(for: algorithm).map { (key.kid, $0) } }
        if let kid { return usable.first { $0.0 == kid }?.1 }
        return usable.count == 1 ? usable[0].1 : nil
    }

    private func refreshKeys() async throws(SignInFailure) {
        let jwksURI = try await discovery().jwksURI
        let set: JSONWebKey.Set = try await fetchJSON(jwksURI, what: "key set")
        keys = set.keys
        keysFetched = now()
    }

    /// The token endpoint's answer to an authorization code: the ID token, and nothing else kept.
    /// A 4xx answer is the provider refusing the code; anything else failing is the provider being unavailable.
    func exchange(code: String, verifier: String, redirectURI: String) async throws(SignInFailure) -> String {
        let endpoint = try await discovery().tokenEndpoint
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let credentials = Data((Self.formEncode(clientID) + ":" + Self.formEncode(clientSecret)).utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic " + credentials)
        let form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", verifier)]
            .map { Self.formEncode($0.0) + "=" + Self.formEncode($0.1) }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: form))
        let (status, body) = try await send(request, what: "token endpoint")
        if (400..<500).contains(status) { throw .codeRefused }
        guard status == 200 else { throw .providerUnavailable("token endpoint answered \(status)") }
        struct TokenResponse: Decodable { var id_token: String? }
        guard let answer = try? JSONDecoder().decode(TokenResponse.self, from: body), let idToken = answer.id_token else {
            throw .invalidToken("the token endpoint returned no ID token")
        }
        return idToken
    }

    private func fetchJSON<T: Decodable>(_ url: String, what: String) async throws(SignInFailure) -> T {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let (status, body) = try await send(request, what: what)
        guard status == 200 else { throw .providerUnavailable("\(what) answered \(status)") }
        guard let value = try? JSONDecoder().decode(T.self, from: body) else { throw .providerUnavailable("unreadable \(what)") }
        return value
    }

    private func send(_ request: HTTPClientRequest, what: String) async throws(SignInFailure) -> (Int, Data) {
        do {
            let response = try await http.execute(request, timeout: Self.requestTimeout)
            let body = try await response.body.collect(upTo: Self.maxDocumentBytes)
            return (Int(response.status.code), Data(body.readableBytesView))
        } catch {
            throw .providerUnavailable("\(what) not reachable")
        }
    }

    /// `application/x-www-form-urlencoded` escaping (also used in query strings).
    static func formEncode(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
