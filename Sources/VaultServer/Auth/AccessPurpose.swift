import Foundation
import HTTPTypes
import Hummingbird
import SessionVault

extension APIRequestContext {
    /// The authenticated caller's request as the vault judges it: why it touches a recording is
    /// `X-Purpose` (or `?purpose=`, default `care`), or a break-glass reason from
    /// `X-Break-Glass-Reason`, which the vault records as `break-glass: <reason>` and flags.
    ///
    /// `?break_glass=` is honoured only with a bearer token. A request authenticated by the web
    /// page's cookie may come from any link the clinician follows (a browser sends the cookie with
    /// it), and a link must not make them break glass: such a request is refused (400); it needs
    /// the header, which only a script of the page itself can set. A purpose or reason holding a
    /// control or text-direction character is refused by the vault (400).
    func staffRequest(_ request: Request) throws -> StaffRequest {
        let user = try requireUser()
        let query = request.uri.queryParameters
        let queryReason = query.get("break_glass").map({ String($0) })
        if queryReason != nil, authenticatedByCookie {
            throw APIError(.badRequest, "break_glass in the address is accepted only with a bearer token; state the reason in the X-Break-Glass-Reason header")
        }
        if let reason = request.headers[.breakGlassReason] ?? queryReason {
            guard let staff = try StaffRequest(user: user, actor: actor, breakGlassReason: reason) else {
                throw APIError(.badRequest, "break-glass access needs a stated reason")
            }
            return staff
        }
        return try StaffRequest(user: user, actor: actor, purpose: request.headers[.purpose] ?? query.get("purpose").map({ String($0) }) ?? "care")
    }

    func requireUser() throws -> UserRecord {
        guard let user else { throw APIError.unauthorized }
        return user
    }
}

extension HTTPField.Name {
    static let breakGlassReason = HTTPField.Name("X-Break-Glass-Reason")!
    static let purpose = HTTPField.Name("X-Purpose")!
}
