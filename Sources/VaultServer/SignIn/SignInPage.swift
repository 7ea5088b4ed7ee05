import HTTPTypes
import Hummingbird
import NIOCore

/// The small pages the sign-in routes answer with when a sign-in does not complete: what
/// happened in plain words and a way on (sign in again, or try again later). Static HTML, no
/// script, under the same strict Content-Security-Policy as the web page.
enum SignInPage {
    static func response(for failure: SignInFailure) -> Response {
        let status: HTTPResponse.Status
        let title: String
        let advice: String
        switch failure {
        case .providerUnavailable:
            status = .serviceUnavailable
            title = "The sign-in service is not answering"
            advice = "Nothing was changed. Please try again in a few minutes; if this persists, tell your IT service desk."
        case .refused:
            status = .forbidden
            title = "You cannot sign in to SessionVault"
            advice = "Your organisation account was recognised, but SessionVault does not allow it to sign in. "
                + "Ask your records manager or the SessionVault administrator to give you access."
        case .stateMismatch:
            status = .badRequest
            title = "This sign-in link has expired or was already used"
            advice = "Nothing was changed. Start again from the SessionVault page."
        case .codeRefused, .invalidToken, .unknownIssuer, .providerError:
            status = .badRequest
            title = "Sign-in could not be completed"
            advice = "Nothing was changed. Start again from the SessionVault page; if this persists, tell your IT service desk."
        }
        let action = failure.isRetryable
            ? "<a id=\"retry\" href=\"/auth/login\">Try again</a>"
            : "<a id=\"home\" href=\"/\">Back to SessionVault</a>"
        let html = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>SessionVault: \(escape(title))</title><link rel="stylesheet" href="/app.css"></head>
        <body>
        <header><h1>SessionVault</h1></header>
        <main id="signin-problem" data-reason="\(escape(code(of: failure)))">
        <h2>\(escape(title))</h2>
        <p id="reason">\(escape(failure.description.prefix(300)))</p>
        <p>\(escape(advice))</p>
        <p>\(action)</p>
        </main>
        </body>
        </html>
        """
        var headers = SystemRoutes.pageHeaders(type: "text/html; charset=utf-8")
        headers[.cacheControl] = "no-store"
        if failure.isRetryable { headers[.retryAfter] = "30" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A stable word for tests and support staff.
    static func code(of failure: SignInFailure) -> String {
        switch failure {
        case .stateMismatch: return "state"
        case .providerError: return "provider-error"
        case .providerUnavailable: return "provider-unavailable"
        case .codeRefused: return "code-refused"
        case .invalidToken: return "invalid-token"
        case .unknownIssuer: return "unknown-issuer"
        case .refused: return "refused"
        }
    }

    static func escape(_ text: some StringProtocol) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
