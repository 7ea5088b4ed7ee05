public import Hummingbird
import NIOCore
public import SessionVault

/// The request context of the service: Hummingbird's core storage, the client's address and,
/// once the auth middleware has run, the authenticated user.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address (no port), for the audit trail.
    public let clientAddress: String
    /// Set by ``TokenAuthMiddleware``.
    public var user: UserRecord?
    /// Whether the token came from the web page's session cookie rather than an `Authorization`
    /// header: a browser sends the cookie with any link it follows, so what such a request's URL
    /// asks for was not necessarily the user's choice. Set by ``TokenAuthMiddleware``.
    var authenticatedByCookie = false
    /// The session's anti-forgery token, when the `svt_sid` cookie authenticated the request: the
    /// page reads it from `/api/whoami` and sends it with every change. Set by ``TokenAuthMiddleware``.
    var csrfToken: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        user = nil
    }

    /// The audit actor: `user:NAME@ADDRESS`.
    var actor: String { "user:\(user?.name ?? "anonymous")@\(clientAddress)" }
}
