import HTTPTypes
import Hummingbird

/// Adds `Strict-Transport-Security` to every response of a service that speaks HTTPS: a browser
/// that has once reached it over TLS refuses plain HTTP to it for a year, so a network attacker
/// cannot downgrade a later visit (and steal the session cookie or a token) by answering on port 80.
struct StrictTransportSecurityMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    /// One year, the common minimum for HSTS preload lists.
    static let value = "max-age=31536000"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var response = try await next(request, context)
            response.headers[.strictTransportSecurity] = Self.value
            return response
        } catch let error as any HTTPResponseError {
            var response = try error.response(from: request, context: context)
            response.headers[.strictTransportSecurity] = Self.value
            return response
        }
    }
}
