import HTTPTypes
import Hummingbird
import NIOCore
import SessionVault

/// `/healthz`, `/metrics` and the web page (`/`): no token needed. The page is compiled in; no
/// URL maps to a file.
struct SystemRoutes: Sendable {
    let vault: Vault
    let metrics: ServerMetrics

    func register(on router: Router<APIRequestContext>) {
        router.get("healthz") { _, _ -> Response in
            guard await vault.catalogAnswers() else {
                return try JSONResponse.make(["status": "catalog unavailable"], status: .serviceUnavailable)
            }
            return try JSONResponse.make(["status": "ok"])
        }
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        router.get("/") { _, _ -> Response in Self.page(WebPage.html, type: "text/html; charset=utf-8") }
        router.get("app.js") { _, _ -> Response in Self.page(WebScript.js, type: "text/javascript; charset=utf-8") }
        router.get("app.css") { _, _ -> Response in Self.page(WebStyle.css, type: "text/css; charset=utf-8") }
    }

    static func page(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: pageHeaders(type: type), body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// The headers of every page the service serves: no inline script or style, same origin only, no framing.
    static func pageHeaders(type: String) -> HTTPFields {
        [
            .contentType: type, .cacheControl: "no-cache",
            .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; media-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            .xFrameOptions: "DENY", .referrerPolicy: "no-referrer", .xContentTypeOptions: "nosniff",
        ]
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
