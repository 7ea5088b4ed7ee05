import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The retry tests count a listener's connections, so a listener must never lose a connection to
/// another listener's thread.
@Suite("FaultyTCPListener", .timeLimit(.minutes(5)))
struct FaultyTCPListenerTests {
    @Test func aStoppedListenersThreadNeverAcceptsForTheNextListener() throws {
        for round in 0..<200 {
            // closedPort() starts and stops a listener at once; its socket's number is free for the next.
            _ = try FaultyTCPListener.closedPort()
            let listener = try FaultyTCPListener(.respond("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
            defer { listener.stop() }
            let answer = try Self.exchange(port: listener.port, request: "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 204"), "round \(round): answered \(answer.debugDescription)")
            #expect(listener.connections == 1, "round \(round)")
            if !answer.hasPrefix("HTTP/1.1 204") { return }
        }
    }

    /// Sends one request on a fresh loopback connection and reads until the server closes it.
    static func exchange(port: Int, request: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let bytes = Array(request.utf8)
        _ = send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }
}
