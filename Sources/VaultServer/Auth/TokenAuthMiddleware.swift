import Foundation
import Hummingbird
import SessionVault

/// Authenticates every `/api` request: `Authorization: Bearer svt_...`; or, for GET and HEAD
/// requests (a `<video>` element cannot send headers), the `svt_session` cookie holding such a
/// token; or the `svt_sid` cookie of a session opened through the organisation's identity
/// provider, which also authenticates changes that pass ``CSRFGuard`` (the service's own origin
/// and the session's anti-forgery token). The vault decides whether the token or session names an active user; a revoked user
/// is refused on the very next request. With `[oidc] people_bearer_tokens = false`, only users in
/// a machine role may use a token.
struct TokenAuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    static let cookieName = "svt_session"

    let vault: Vault
    var signIn: SignInService? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let presented = Self.presentedToken(request) {
            let user: UserRecord?
            do {
                user = try await vault.authenticate(token: presented.token)
            } catch {
                throw APIError(.serviceUnavailable, "the catalog is unavailable")
            }
            guard let user else { throw APIError.unauthorized }
            if let signIn, !signIn.bearerAllowed(for: user) { throw Self.tokensForMachinesOnly }
            context.user = user
            context.authenticatedByCookie = presented.fromCookie
        } else if let signIn, let cookie = Self.cookie(SignInService.sessionCookie, in: request) {
            // A change made with the cookie must come from the service's own page (CSRFGuard): the
            // source is checked before the session is looked up, the session's token after.
            let unsafe = CSRFGuard.isUnsafe(request.method)
            if unsafe { try signIn.csrf.checkSource(request) }
            let session: (user: UserRecord, csrfToken: String)?
            do {
                session = try await signIn.authenticate(cookie: cookie, address: context.clientAddress)
            } catch {
                throw APIError(.serviceUnavailable, "the catalog is unavailable")
            }
            guard let session else { throw APIError(.unauthorized, "the session has ended: sign in again") }
            if unsafe { try signIn.csrf.checkToken(request, session: session.csrfToken) }
            context.user = session.user
            context.authenticatedByCookie = true
            context.csrfToken = session.csrfToken
        } else {
            throw APIError.unauthorized
        }
        return try await next(request, context)
    }

    static let tokensForMachinesOnly = APIError(.unauthorized, "access tokens are for machine accounts here: sign in through your organisation's account",
                                                headers: [.wwwAuthenticate: "Bearer realm=\"sessionvault\""])

    /// The token, and whether it came from the cookie.
    static func presentedToken(_ request: Request) -> (token: String, fromCookie: Bool)? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return (parts[1].trimmingCharacters(in: .whitespaces), false)
        }
        guard request.method == .get || request.method == .head, let token = cookie(cookieName, in: request) else { return nil }
        return (token, true)
    }

    /// The value of the cookie `name`, if the request carries it.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let kv = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0] == name { return String(kv[1]) }
            }
        }
        return nil
    }
}
