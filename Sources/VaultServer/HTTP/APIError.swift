import Foundation
public import HTTPTypes
public import Hummingbird
import NIOCore

/// An error answered to the client as JSON `{"error": "..."}` with a status. Messages say what
/// was refused and why, never tokens, passphrases or patient identifiers.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let message: String
    var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        let body = (try? JSONEncoder().encode(["error": message])) ?? Data("{}".utf8)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static let unauthorized = APIError(.unauthorized, "a valid bearer token is required", headers: [.wwwAuthenticate: "Bearer realm=\"sessionvault\""])
    /// The same answer for a recording that does not exist and one the caller may not see.
    static func notFound(_ id: String) -> APIError { APIError(.notFound, "no recording '\(id.prefix(64))'") }
}
