import Foundation
import HTTPTypes
import Hummingbird
import SessionVault

extension APIRequestContext {
    /// The authenticated caller's request as the vault judges it: why it touches a recording is
    /// `X-Purpose` (or `?purpose=`, default `care`), or a break-glass reason from
    /// `X-Break-Glass-Reason` (or `?break_glass=`), which the vault records as `break-glass: <reason>` and flags.
    func staffRequest(_ request: Request) throws -> StaffRequest {
        let user = try requireUser()
        let query = request.uri.queryParameters
        if let reason = request.headers[.breakGlassReason] ?? query.get("break_glass").map({ String($0) }) {
            guard let staff = StaffRequest(user: user, actor: actor, breakGlassReason: reason) else {
                throw APIError(.badRequest, "break-glass access needs a stated reason")
            }
            return staff
        }
        return StaffRequest(user: user, actor: actor, purpose: request.headers[.purpose] ?? query.get("purpose").map({ String($0) }) ?? "care")
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
