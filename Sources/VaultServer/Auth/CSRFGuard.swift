import Foundation
import HTTPTypes
import Hummingbird

/// Cross-site request forgery protection for changes made with the session cookie. A browser
/// sends the cookie with any request to the service, including one a hostile page makes it send,
/// so a cookie-authenticated request that is not GET or HEAD must also show that it came from the
/// service's own page:
///
/// 1. its `Origin` (or, when a browser sends none, its `Sec-Fetch-Site`) names the service's own
///    origin: a cross-site request is refused before its session is even looked up;
/// 2. it carries the session's synchronizer token in `X-CSRF-Token`: a random value made when the
///    session opened, given only to the page (in `/api/whoami`'s answer, readable by same-origin
///    script only), compared in constant time. A token of another session does not match.
///
/// Requests with an `Authorization: Bearer` header are not cookie-authenticated and do not pass here.
struct CSRFGuard: Sendable {
    static let tokenHeader = HTTPField.Name("X-CSRF-Token")!
    static let fetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// The service's own origin, `scheme://host[:port]`, lower-case, without a default port.
    let origin: String

    init(publicURL: String) {
        origin = Self.origin(of: publicURL) ?? publicURL.lowercased()
    }

    /// `scheme://host[:port]` of a URL, as a browser serializes it in `Origin`.
    static func origin(of url: String) -> String? {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), let host = parts.host?.lowercased() else { return nil }
        let defaultPort = (scheme == "https" && parts.port == 443) || (scheme == "http" && parts.port == 80)
        return scheme + "://" + host + (parts.port.map { defaultPort ? "" : ":\($0)" } ?? "")
    }

    /// Whether the method changes something (everything but GET and HEAD is treated so).
    static func isUnsafe(_ method: HTTPRequest.Method) -> Bool { method != .get && method != .head }

    /// Refuses a request that does not come from the service's own origin.
    func checkSource(_ request: Request) throws(APIError) {
        if let origin = request.headers[.origin] {
            guard Self.origin(of: origin) == self.origin else { throw Self.crossSite }
            return
        }
        // No Origin: browsers that send Sec-Fetch-Site say where the request came from; a request
        // with neither is not from a browser page this service served, so not a cookie's business.
        guard let site = request.headers[Self.fetchSite], site.lowercased() == "same-origin" else { throw Self.crossSite }
    }

    /// Refuses a request whose `X-CSRF-Token` is missing or is not the session's.
    func checkToken(_ request: Request, session expected: String) throws(APIError) {
        guard let presented = request.headers[Self.tokenHeader], !presented.isEmpty else { throw Self.missingToken }
        guard Self.constantTimeEqual(Array(presented.utf8), Array(expected.utf8)) else { throw Self.wrongToken }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    static let crossSite = APIError(.forbidden, "refused: this change was not sent by the SessionVault page (cross-site request); nothing was changed",
                                    code: "csrf-cross-site")
    static let missingToken = APIError(.forbidden, "refused: the page's anti-forgery token is missing; reload the page and try again; nothing was changed",
                                       code: "csrf-token-missing")
    static let wrongToken = APIError(.forbidden, "refused: the page's anti-forgery token is not this session's; reload the page and try again; "
                                     + "nothing was changed", code: "csrf-token-mismatch")
}
