import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import Testing

/// A browser as far as the sign-in flow needs one: it keeps cookies (by host, as browsers do:
/// not by port) and does not follow redirects, so each hop can be checked.
final class TestBrowser: Sendable {
    struct Page: Sendable {
        var url: String
        var status: Int
        /// Lower-case names; `set-cookie` joined by "\n".
        var headers: [String: String]
        var body: String
        var location: String? { headers["location"].map { URL(string: $0, relativeTo: URL(string: url))?.absoluteString ?? $0 } }
    }

    private let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
    private let jar = Mutex<[String: [String: String]]>([:])

    func get(_ url: String, headers: [String: String] = [:]) async throws -> Page {
        try await send("GET", url, headers: headers, body: nil)
    }

    func post(_ url: String, form: [(String, String)], headers: [String: String] = [:]) async throws -> Page {
        let body = form.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
        var all = headers
        all["Content-Type"] = "application/x-www-form-urlencoded"
        return try await send("POST", url, headers: all, body: body)
    }

    /// A cookie this browser holds for `host`.
    func cookie(_ name: String, host: String = "127.0.0.1") -> String? { jar.withLock { $0[host]?[name] } }

    /// Forgets a cookie (a browser whose user cleared it, or another browser).
    func drop(_ name: String, host: String = "127.0.0.1") { _ = jar.withLock { $0[host]?.removeValue(forKey: name) } }

    func close() async { try? await http.shutdown() }

    private func send(_ method: String, _ url: String, headers: [String: String], body: String?) async throws -> Page {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let host = URL(string: url)?.host ?? ""
        let cookies = jar.withLock { $0[host] ?? [:] }
        if !cookies.isEmpty { request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await http.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        var fields: [String: String] = [:]
        for header in response.headers {
            let name = header.name.lowercased()
            fields[name] = fields[name].map { $0 + "\n" + header.value } ?? header.value
            if name == "set-cookie" { store(header.value, host: host) }
        }
        return Page(url: url, status: Int(response.status.code), headers: fields, body: String(buffer: bytes))
    }

    private func store(_ setCookie: String, host: String) {
        let attributes = setCookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let pair = attributes.first, let eq = pair.firstIndex(of: "=") else { return }
        let name = String(pair[..<eq])
        let value = String(pair[pair.index(after: eq)...])
        let expired = attributes.contains { $0.lowercased() == "max-age=0" } || value.isEmpty
        jar.withLock { jar in
            if expired { jar[host]?[name] = nil } else { jar[host, default: [:]][name] = value }
        }
    }

    private func escape(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// Signs in at the service `base` as `user`: from `/auth/login` to the provider, through its
    /// login form (when the provider does not know this browser yet), and back to the service's
    /// callback, which is fetched and returned with its URL.
    func signIn(at base: String, user: String, password: String) async throws -> (callback: String, answer: Page) {
        let start = try await get(base + "/auth/login")
        try #require(start.status == 303, "/auth/login answered \(start.status): \(start.body.prefix(300))")
        var next = try #require(start.location)
        for _ in 0..<10 {
            if next.hasPrefix(base + "/auth/callback") { return (next, try await get(next)) }
            let page = try await get(next)
            if page.status == 302 || page.status == 303, let location = page.location {
                next = location
                continue
            }
            // The provider's login form.
            try #require(page.status == 200, "the provider answered \(page.status) at \(next): \(page.body.prefix(300))")
            let csrf = try #require(Self.field("csrfmiddlewaretoken", in: page.body), "no login form at \(next)")
            let after = Self.field("next", in: page.body) ?? ""
            let posted = try await post(page.url, form: [("csrfmiddlewaretoken", csrf), ("username", user), ("password", password), ("next", after)])
            try #require(posted.status == 302, "login as \(user) answered \(posted.status)")
            next = try #require(posted.location)
        }
        Issue.record("the sign-in did not come back to the service")
        throw CancellationError()
    }

    /// The value of the form field `name` in an HTML page (HTML entities undone).
    static func field(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end]).replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&#x27;", with: "'")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
    }
}
