import Foundation
import Hummingbird
import SessionVault

/// Authenticates every `/api` request: `Authorization: Bearer svt_...`, or for GET requests the
/// `svt_session` cookie the web page sets (a `<video>` element cannot send headers). The vault
/// decides whether the token names an active user; a revoked user is refused on the very next request.
struct TokenAuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    static let cookieName = "svt_session"

    let vault: Vault

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let presented = Self.presentedToken(request) else { throw APIError.unauthorized }
        let user: UserRecord?
        do {
            user = try await vault.authenticate(token: presented.token)
        } catch {
            throw APIError(.serviceUnavailable, "the catalog is unavailable")
        }
        guard let user else { throw APIError.unauthorized }
        var context = context
        context.user = user
        context.authenticatedByCookie = presented.fromCookie
        return try await next(request, context)
    }

    /// The token, and whether it came from the cookie.
    static func presentedToken(_ request: Request) -> (token: String, fromCookie: Bool)? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return (parts[1].trimmingCharacters(in: .whitespaces), false)
        }
        guard request.method == .get || request.method == .head, let cookies = request.headers[.cookie] else { return nil }
        for pair in cookies.split(separator: ";") {
            let kv = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0] == cookieName { return (String(kv[1]), true) }
        }
        return nil
    }
}
