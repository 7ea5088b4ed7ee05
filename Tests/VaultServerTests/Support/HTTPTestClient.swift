import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting

/// An HTTP/1.1 client for the service on 127.0.0.1:`port`.
///
/// The route tests (the service in-process, ``ServerFixture``) use HummingbirdTesting's
/// `TestClient`, one connection per request, so a response that closes its connection (a 413)
/// leaves the next request unaffected. Another process (`serve` children, chromedriver) is reached
/// through AsyncHTTPClient, which outlasts a loaded machine: a `TestClient` request to a `serve`
/// child failed with "I/O on closed channel" in full runs on 2 shared cores. Bodies produced by a
/// generator always go through AsyncHTTPClient, which streams them without holding them (chunked
/// when the request says `Transfer-Encoding: chunked`).
struct HTTPTestClient: Sendable {
    let port: Int
    /// HummingbirdTesting's client (route tests) or AsyncHTTPClient (other processes).
    var inProcess = false

    struct Response: Sendable {
        var status: Int
        /// By lower-case name.
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers[name.lowercased()] }
        func json() throws -> [String: Any] { try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:] }
    }

    enum Body: Sendable {
        case none
        case bytes([UInt8])
        /// `total` bytes produced `block` at a time by `make(offset, count)`.
        case generated(total: Int64, block: Int, make: @Sendable (Int64, Int) -> [UInt8])
    }

    struct ClientError: Error, CustomStringConvertible {
        var description: String
    }

    /// Generous: a full parallel run on 2 cores can stall the service for seconds.
    static let timeout: Duration = .seconds(120)

    func get(_ path: String, token: String? = nil, headers: [String: String] = [:]) async throws -> Response {
        var all = headers
        if let token { all["Authorization"] = "Bearer " + token }
        return try await request("GET", path, headers: all)
    }

    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: Body = .none) async throws -> Response {
        switch body {
        case .none where inProcess: return try await send(method, path, headers: headers, body: nil)
        case .bytes(let bytes) where inProcess: return try await send(method, path, headers: headers, body: ByteBuffer(bytes: bytes))
        case .none: return try await stream(method, path, headers: headers, total: 0, block: 1, make: { _, _ in [] }, hasBody: false)
        case .bytes(let bytes):
            return try await stream(method, path, headers: headers, total: Int64(bytes.count), block: max(bytes.count, 1), make: { _, _ in bytes })
        case .generated(let total, let block, let make): return try await stream(method, path, headers: headers, total: total, block: block, make: make)
        }
    }

    private func send(_ method: String, _ path: String, headers: [String: String], body: ByteBuffer?) async throws -> Response {
        var fields = HTTPFields()
        for (name, value) in headers {
            guard let name = HTTPFields.Element.Name(name) else { throw ClientError(description: "bad header name \(name)") }
            fields[name] = value
        }
        let request = TestClient.Request(path, method: HTTPRequest.Method(method) ?? .get, authority: "127.0.0.1:\(port)", headers: fields, body: body)
        // A loop of its own, as the old client had a thread of its own: the in-process service and
        // every other NIO client in the run share the singleton loops, and a test's request must
        // not wait behind them on a loaded machine.
        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: Self.timeout), eventLoopGroupProvider: .createNew)
        client.connect()
        let response: TestClient.Response
        do {
            response = try await client.execute(request)
        } catch {
            try? await client.shutdown()
            throw error
        }
        // The service may close the connection first (after a 413); that is no failure of the request.
        try? await client.shutdown()
        var byName: [String: String] = [:]
        for field in response.headers { byName[field.name.canonicalName] = field.value }
        return Response(status: response.status.code, headers: byName, body: response.body.map { Array($0.readableBytesView) } ?? [])
    }

    private func stream(_ method: String, _ path: String, headers: [String: String], total: Int64, block: Int,
                        make: @escaping @Sendable (Int64, Int) -> [UInt8], hasBody: Bool = true) async throws -> Response {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method == "POST" ? .POST : method == "PUT" ? .PUT : method == "GET" ? .GET : method == "DELETE" ? .DELETE : .RAW(value: method)
        let chunked = headers.contains { $0.key.lowercased() == "transfer-encoding" && $0.value.lowercased() == "chunked" }
        for (name, value) in headers where name.lowercased() != "transfer-encoding" { request.headers.add(name: name, value: value) }
        if hasBody {
            request.body = .stream(GeneratedBody(total: total, block: block, make: make), length: chunked ? .unknown : .known(total))
        }
        // A deadline for the whole exchange, upload included: a 160 MiB upload on a loaded machine
        // takes minutes. The suite's time limit bounds a hang.
        let response = try await HTTPClient.shared.execute(request, timeout: .minutes(30))
        var byName: [String: String] = [:]
        for (name, value) in response.headers { byName[name.lowercased()] = value }
        let body = try await response.body.collect(upTo: 64 << 20)
        return Response(status: Int(response.status.code), headers: byName, body: Array(body.readableBytesView))
    }
}

/// `total` bytes as buffers of `block` bytes, made on demand.
struct GeneratedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let total: Int64
    let block: Int
    let make: @Sendable (Int64, Int) -> [UInt8]

    struct AsyncIterator: AsyncIteratorProtocol {
        let body: GeneratedBody
        var offset: Int64 = 0

        mutating func next() async -> ByteBuffer? {
            guard offset < body.total else { return nil }
            let count = Int(Swift.min(Int64(body.block), body.total - offset))
            defer { offset += Int64(count) }
            return ByteBuffer(bytes: body.make(offset, count))
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self) }
}
