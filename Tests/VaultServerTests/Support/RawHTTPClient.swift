import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over a POSIX socket to 127.0.0.1, run on its own thread so tests
/// never block the cooperative pool. Full control of headers (Range, If-Range), and uploads
/// streamed from a generator without holding the body.
struct RawHTTPClient: Sendable {
    let port: Int

    struct Response: Sendable {
        var status: Int
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

    func get(_ path: String, token: String? = nil, headers: [String: String] = [:]) async throws -> Response {
        var all = headers
        if let token { all["Authorization"] = "Bearer " + token }
        return try await request("GET", path, headers: all)
    }

    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: Body = .none) async throws -> Response {
        let port = self.port
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    continuation.resume(returning: try Self.perform(port: port, method: method, path: path, headers: headers, body: body))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }

    /// A TCP socket connected to 127.0.0.1:`port`, with `configure` applied before connecting.
    static func connect(port: Int, configure: (Int32) -> Void = { _ in }) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(description: "socket failed") }
        configure(fd)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let failure = errno
            close(fd)
            throw ClientError(description: "connect failed: \(failure)")
        }
        return fd
    }

    static func perform(port: Int, method: String, path: String, headers: [String: String], body: Body) throws -> Response {
        let fd = try connect(port: port) { fd in
            var timeout = timeval(tv_sec: 120, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        var extra = headers
        switch body {
        case .none: break
        case .bytes(let bytes): extra["Content-Length"] = String(bytes.count)
        case .generated(let total, _, _):
            if extra["Transfer-Encoding"] == nil { extra["Content-Length"] = String(total) }
        }
        let chunked = extra["Transfer-Encoding"] == "chunked"
        for (name, value) in extra.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        var sendFailed = false
        func send(_ bytes: [UInt8]) {
            guard !sendFailed else { return }
            var done = 0
            while done < bytes.count {
                let n = bytes[done...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 {
                    if errno == EINTR { continue }
                    sendFailed = true  // the server answered early (e.g. 413) and closed
                    return
                }
                done += n
            }
        }
        send(Array(head.utf8))
        switch body {
        case .none: break
        case .bytes(let bytes): send(bytes)
        case .generated(let total, let block, let make):
            var offset: Int64 = 0
            while offset < total, !sendFailed {
                let count = Int(min(Int64(block), total - offset))
                let piece = make(offset, count)
                if chunked {
                    send(Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + [13, 10])
                } else {
                    send(piece)
                }
                offset += Int64(count)
            }
            if chunked { send(Array("0\r\n\r\n".utf8)) }
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            received.append(contentsOf: buffer[0..<n])
            if isComplete(received) { break }  // peers that keep the connection open despite `Connection: close`
        }
        return try parse(received)
    }

    /// True once the head and a body of `Content-Length` bytes (or a last chunk) have arrived.
    static func isComplete(_ bytes: [UInt8]) -> Bool {
        guard let end = headEnd(bytes) else { return false }
        let head = String(decoding: bytes[0..<end], as: UTF8.self).lowercased()
        if head.contains("transfer-encoding: chunked") { return bytes.suffix(5) == [48, 13, 10, 13, 10] }
        guard let line = head.components(separatedBy: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
              let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else { return false }
        return bytes.count - (end + 4) >= length
    }

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
    }

    static func parse(_ bytes: [UInt8]) throws -> Response {
        guard let end = headEnd(bytes) else {
            throw ClientError(description: "no response head in \(bytes.count) bytes")
        }
        let lines = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw ClientError(description: "bad status line") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = try dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard let lineEnd = (i..<(bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }),
                  let size = Int(String(decoding: bytes[i..<lineEnd], as: UTF8.self), radix: 16) else { throw ClientError(description: "bad chunk") }
            if size == 0 { break }
            out.append(contentsOf: bytes[(lineEnd + 2)..<(lineEnd + 2 + size)])
            i = lineEnd + 2 + size + 2
        }
        return out
    }
}
