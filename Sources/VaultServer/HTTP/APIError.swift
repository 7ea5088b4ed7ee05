import Foundation
public import HTTPTypes
public import Hummingbird
import NIOCore

/// An error answered to the client as JSON `{"error": "...", "code": "..."}` (`code` when it has one) with a status. Messages say what
/// was refused and why, never tokens, passphrases or patient identifiers.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let message: String
    /// A stable word for the refusal, answered as `code` beside `error` (for example `csrf-token-missing`).
    public let code: String?
    var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String, code: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        var fieldsJSON = ["error": message]
        if let code { fieldsJSON["code"] = code }
        let body = (try? JSONEncoder().encode(fieldsJSON)) ?? Data("{}".utf8)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static let unauthorized = APIError(.unauthorized, "a valid bearer token is required", headers: [.wwwAuthenticate: "Bearer realm=\"sessionvault\""])
    /// The same answer for a recording that does not exist and one the caller may not see.
    static func notFound(_ id: String) -> APIError { APIError(.notFound, "no recording '\(id.prefix(64))'") }
}
