import Crypto
import Foundation
import Testing
@testable import VaultServer

/// ES256 ID tokens (the test provider signs RS256 only): a P-256 key published as a JWK checks
/// a token signed with it, and nothing else.
@Suite("ID-token checks with ES256")
struct IDTokenValidatorTests {
    static func token(_ claims: [String: Any], key: P256.Signing.PrivateKey, header: [String: Any] = ["alg": "ES256", "kid": "ec-1"]) throws -> String {
        let head = Base64URL.encode(try JSONSerialization.data(withJSONObject: header))
        let body = Base64URL.encode(try JSONSerialization.data(withJSONObject: claims))
        let signature = try key.signature(for: Array((head + "." + body).utf8)).rawRepresentation
        return head + "." + body + "." + Base64URL.encode(signature)
    }

    static func jwk(_ key: P256.Signing.PublicKey) -> JSONWebKey {
        let raw = Array(key.rawRepresentation)
        return JSONWebKey(kty: "EC", kid: "ec-1", use: "sig", alg: "ES256", crv: "P-256",
                          x: Base64URL.encode(raw[0..<32]), y: Base64URL.encode(raw[32..<64]))
    }

    static func check(_ token: String, published: JSONWebKey, now: Date) async -> SignInFailure? {
        let validator = IDTokenValidator(issuer: "https://idp.example.nhs.uk", clientID: "vault", clockSkew: 60)
        do throws(SignInFailure) {
            _ = try await validator.validate(token, nonce: "n", now: now) { (_, algorithm) throws(SignInFailure) in
                guard let verifier = published.verifier(for: algorithm) else { throw .invalidToken("no key") }
                return verifier
            }
            return nil
        } catch {
            return error
        }
    }

    @Test func anES256TokenIsCheckedAgainstItsPublishedKey() async throws {
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let claims: [String: Any] = ["iss": "https://idp.example.nhs.uk", "aud": ["vault", "other"], "azp": "vault", "nonce": "n",
                                     "iat": Int(now.timeIntervalSince1970), "exp": Int(now.timeIntervalSince1970) + 300, "preferred_username": "alice"]
        let good = try Self.token(claims, key: key)
        #expect(await Self.check(good, published: Self.jwk(key.publicKey), now: now) == nil)
        #expect(await Self.check(good, published: Self.jwk(P256.Signing.PrivateKey().publicKey), now: now) == .invalidToken("bad signature"))
        var otherParty = claims
        otherParty["azp"] = "other"
        #expect(await Self.check(try Self.token(otherParty, key: key), published: Self.jwk(key.publicKey), now: now)
                == .invalidToken("issued for several clients, not authorized for this one"))
        var future = claims
        future["iat"] = Int(now.timeIntervalSince1970) + 600
        #expect(await Self.check(try Self.token(future, key: key), published: Self.jwk(key.publicKey), now: now) == .invalidToken("issued in the future"))
        let hmac = try Self.token(claims, key: key, header: ["alg": "HS256"])
        #expect(await Self.check(hmac, published: Self.jwk(key.publicKey), now: now)
                == .invalidToken("signature algorithm 'HS256' is not allowed (RS256, ES256)"))
    }
}
