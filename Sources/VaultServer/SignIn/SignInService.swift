import Crypto
import Foundation
import SessionVault

/// Staff sign-in as the routes and the auth middleware use it: starts the authorization-code
/// flow with PKCE (S256), `state` and `nonce`; finishes it (code exchange, ID-token checks, the
/// vault's own user records); opens, checks and ends sessions. Every completed or refused
/// sign-in and every sign-out is audited through the vault.
struct SignInService: Sendable {
    let vault: Vault
    let settings: SignInSettings
    let provider: OpenIDProvider
    let sessions: StaffSessions
    let validator: IDTokenValidator
    let now: @Sendable () -> Date
    /// Whether cookies get `Secure` (the service or its public address is HTTPS).
    let secureCookies: Bool

    static let sessionCookie = "svt_sid"
    static let bindingCookie = "svt_signin"

    init(vault: Vault, configuration: SignInConfiguration, servedOverTLS: Bool) {
        self.vault = vault
        settings = configuration.settings
        now = configuration.now
        provider = OpenIDProvider(issuer: settings.issuer, clientID: settings.clientID, clientSecret: configuration.clientSecret,
                                  minimumKeyRefetch: configuration.minimumKeyRefetch, now: configuration.now)
        sessions = StaffSessions(idleTimeout: TimeInterval(settings.idleTimeoutSeconds), absoluteTimeout: TimeInterval(settings.absoluteTimeoutSeconds))
        validator = IDTokenValidator(issuer: settings.issuer, clientID: settings.clientID, clockSkew: TimeInterval(settings.clockSkewSeconds))
        secureCookies = servedOverTLS || settings.publicURL.lowercased().hasPrefix("https:")
    }

    var publicBase: String { settings.publicURL.hasSuffix("/") ? String(settings.publicURL.dropLast()) : settings.publicURL }
    var redirectURI: String { publicBase + "/auth/callback" }

    /// Where to send the browser to sign in, and the value of its binding cookie.
    func start() async throws(SignInFailure) -> (location: String, binding: String) {
        let metadata = try await provider.discovery()
        let (state, binding, pending) = await sessions.begin(now: now())
        let challenge = Base64URL.encode(SHA256.hash(data: Array(pending.verifier.utf8)))
        let query = [
            ("response_type", "code"), ("client_id", settings.clientID), ("redirect_uri", redirectURI),
            ("scope", settings.scopes.joined(separator: " ")), ("state", state), ("nonce", pending.nonce),
            ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ].map { OpenIDProvider.formEncode($0.0) + "=" + OpenIDProvider.formEncode($0.1) }.joined(separator: "&")
        let separator = metadata.authorizationEndpoint.contains("?") ? "&" : "?"
        return (metadata.authorizationEndpoint + separator + query, binding)
    }

    /// Finishes a sign-in at the callback: the session cookie and the user, or why not (audited either way).
    func complete(code: String?, state: String?, providerError: String?, binding: String?,
                  address: String) async -> Result<(cookie: String, user: UserRecord), SignInFailure> {
        var claimedName: String?
        do throws(SignInFailure) {
            guard let state, let pending = await sessions.finish(state: state, binding: binding, now: now()) else { throw .stateMismatch }
            if let providerError { throw .providerError(String(providerError.prefix(64))) }
            guard let code, !code.isEmpty else { throw .providerError("no code") }
            let idToken = try await provider.exchange(code: code, verifier: pending.verifier, redirectURI: redirectURI)
            let provider = self.provider
            let claims = try await validator.validate(idToken, nonce: pending.nonce, now: now()) { (kid, algorithm) throws(SignInFailure) in
                try await provider.verifier(kid: kid, algorithm: algorithm)
            }
            guard let name = claims.string(settings.userClaim) else { throw .invalidToken("no '\(settings.userClaim)' claim") }
            claimedName = name
            let identity = FederatedIdentity(userName: name, grantedRoles: settings.grantedRoles(claims.strings(settings.roleClaim)),
                                             issuer: settings.issuer)
            let user: UserRecord
            do throws(VaultError) {
                user = try await vault.signIn(identity, from: address)
            } catch {
                // The vault audited its own refusal.
                if error.code == .signInRefused { return .failure(.refused(error.message)) }
                return .failure(.providerUnavailable("the catalog is unavailable"))
            }
            let cookie = await sessions.open(userName: user.name, role: user.role, idToken: idToken, now: now())
            return .success((cookie, user))
        } catch {
            try? await vault.recordSignInRefusal(claimedName: claimedName, from: address, reason: error.description)
            return .failure(error)
        }
    }

    /// The user an open session's cookie names, still active in the vault with the same role, and
    /// the session's anti-forgery token; nil otherwise. A session that timed out, or whose user was
    /// revoked, is ended and audited.
    func authenticate(cookie: String, address: String) async throws -> (user: UserRecord, csrfToken: String)? {
        switch await sessions.use(cookie, now: now()) {
        case .unknown:
            return nil
        case .ended(let session, let reason):
            if let user = try await vault.activeUser(named: session.userName) { try await vault.signOut(user, from: address, reason: reason) }
            return nil
        case .open(let session):
            guard let user = try await vault.activeUser(named: session.userName), user.role == session.role else {
                _ = await sessions.end(cookie)
                return nil
            }
            return (user, session.csrfToken)
        }
    }

    /// The anti-forgery check for a change made with the session cookie (``CSRFGuard``).
    var csrf: CSRFGuard { CSRFGuard(publicURL: settings.publicURL) }

    /// Ends the session (audited) and says where the browser goes next: the provider's logout
    /// when it advertises one, else the page.
    func signOut(cookie: String?, address: String) async -> String {
        var idToken: String?
        if let cookie, let session = await sessions.end(cookie) {
            idToken = session.idToken
            if let user = try? await vault.activeUser(named: session.userName) { try? await vault.signOut(user, from: address, reason: "signed out") }
        }
        guard let idToken, let endpoint = try? await provider.discovery().endSessionEndpoint else { return "/" }
        let query = [("id_token_hint", idToken), ("post_logout_redirect_uri", publicBase + "/")]
            .map { OpenIDProvider.formEncode($0.0) + "=" + OpenIDProvider.formEncode($0.1) }.joined(separator: "&")
        return endpoint + (endpoint.contains("?") ? "&" : "?") + query
    }

    /// Whether a bearer token may authenticate this user: always for machine roles; for people
    /// only while `[oidc] people_bearer_tokens` is true.
    func bearerAllowed(for user: UserRecord) -> Bool {
        settings.peopleBearerTokens || settings.machineRoles.contains(user.role)
    }

    /// `Set-Cookie` values.
    func sessionCookie(_ value: String) -> String {
        "\(Self.sessionCookie)=\(value); Path=/; HttpOnly; SameSite=Lax\(secureCookies ? "; Secure" : "")"
    }

    func bindingCookie(_ value: String) -> String {
        "\(Self.bindingCookie)=\(value); Path=/auth; HttpOnly; SameSite=Lax; Max-Age=\(Int(StaffSessions.pendingLifetime))\(secureCookies ? "; Secure" : "")"
    }

    func clearing(_ name: String, path: String) -> String {
        "\(name)=; Path=\(path); HttpOnly; SameSite=Lax; Max-Age=0\(secureCookies ? "; Secure" : "")"
    }
}
