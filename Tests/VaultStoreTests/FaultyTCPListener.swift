import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP listener on 127.0.0.1 that misbehaves on purpose, to check how the S3 store retries:
/// it counts the connections it accepts and then drops them, answers each with a fixed raw HTTP
/// response, or drops the first few and forwards the rest to a real server.
final class FaultyTCPListener: Sendable {
    enum Behaviour: Sendable {
        /// Closes every connection as soon as it is accepted.
        case drop
        /// Reads each request and answers it with this raw HTTP/1.1 response, then closes.
        case respond(String)
        /// Drops the first `count` connections, then relays bytes to and from 127.0.0.1:`port`.
        case dropThenForward(count: Int, port: Int)
    }

    let port: Int
    private let fd: Int32
    private let accepted = Mutex(0)
    private let behaviour: Behaviour
    /// Signalled when the accept loop has ended and closed the listening socket. The loop, not
    /// `stop()`, closes it: a descriptor closed while another thread may still call `accept` on its
    /// number can be reused by the next socket any test opens, and that thread would then accept
    /// (and drop) connections meant for a different listener.
    private let loopEnded = DispatchSemaphore(value: 0)

    /// Connections accepted so far.
    var connections: Int { accepted.withLock { $0 } }

    init(_ behaviour: Behaviour) throws {
        self.behaviour = behaviour
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Stops accepting and returns once the listening socket is closed. Idempotent.
    func stop() {
        guard stopping.withLock({ stopping in
            defer { stopping = true }
            return !stopping
        }) else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        loopEnded.wait()
    }

    private let stopping = Mutex(false)

    /// A loopback port that nothing listens on (bound, then released).
    static func closedPort() throws -> Int {
        let listener = try FaultyTCPListener(.drop)
        listener.stop()
        return listener.port
    }

    private func acceptLoop() {
        defer {
            close(fd)
            loopEnded.signal()
        }
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let number = accepted.withLock { count in
                count += 1
                return count
            }
            switch behaviour {
            case .drop:
                close(client)
            case .respond(let response):
                Self.readRequest(client)
                Self.writeAll(client, Array(response.utf8))
                shutdown(client, Int32(SHUT_WR))
                close(client)
            case .dropThenForward(let count, let upstreamPort):
                if number <= count {
                    close(client)
                } else {
                    Self.relay(client, toPort: upstreamPort)
                }
            }
        }
    }

    /// Reads one request: headers, then as many body bytes as Content-Length says.
    private static func readRequest(_ fd: Int32) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return }
            received += buffer[0..<n]
            guard let headerEnd = received.firstRange(of: end)?.upperBound else { continue }
            let head = String(decoding: received[..<headerEnd], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if received.count - headerEnd >= length { return }
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            // send with MSG_NOSIGNAL: a peer that has gone must not raise SIGPIPE in the test process.
            let n = bytes[done...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return }
            done += n
        }
    }

    private final class Finished: Sendable {
        let directions = Mutex(0)
    }

    /// Relays both directions between `client` and 127.0.0.1:`port` on two threads.
    private static func relay(_ client: Int32, toPort port: Int) {
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(upstream)
            close(client)
            return
        }
        let finished = Finished()
        for (from, to) in [(client, upstream), (upstream, client)] {
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = read(from, &buffer, buffer.count)
                    if n <= 0 { break }
                    writeAll(to, Array(buffer[0..<n]))
                }
                shutdown(to, Int32(SHUT_WR))
                let both = finished.directions.withLock { count in
                    count += 1
                    return count == 2
                }
                if both {
                    close(client)
                    close(upstream)
                }
            }
        }
    }
}
