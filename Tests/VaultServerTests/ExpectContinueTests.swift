import Foundation
import Glibc
import TestSupport
import Testing

/// A client that sends `Expect: 100-continue` (curl does for any body over 1 MiB) is told to go on
/// at once; without the interim answer curl waited a second before every upload.
@Suite("Expect: 100-continue", .timeLimit(.minutes(10)))
struct ExpectContinueTests {
    @Test func anUploadThatAsksFirstIsToldToContinueBeforeItSendsItsBody() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let fd = try StalledReader.connect(port: client.port)
            defer { Glibc.close(fd) }
            let body = [UInt8](repeating: 7, count: 100_000)
            try Self.send(fd, Array(("POST /api/recordings?session=S1&class=care HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                     + "Authorization: Bearer \(f.token("alice"))\r\nContent-Type: application/octet-stream\r\n"
                                     + "Content-Length: \(body.count)\r\nExpect: 100-continue\r\n\r\n").utf8))
            // Nothing of the body has been sent: only the interim answer can come now.
            let interim = try Self.receive(fd, until: "\r\n\r\n", within: 20)
            #expect(interim.hasPrefix("HTTP/1.1 100 Continue\r\n"), "got \(interim.debugDescription)")
            try Self.send(fd, body)
            let final = try Self.receive(fd, until: "}", within: 60)
            #expect(final.hasPrefix("HTTP/1.1 201"), "got \(final.debugDescription)")
            let id = try #require(final.split(separator: "\"id\":\"").dropFirst().first?.prefix(while: { $0 != "\"" }))
            let back = try await client.get("/api/recordings/\(id)/content", token: f.token("alice"))
            #expect(back.status == 200 && back.body == body)
        }
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw HTTPTestClient.ClientError(description: "send failed: \(errno)") }
            sent += n
        }
    }

    /// What arrives until `marker` has been seen, waiting at most `seconds` in all.
    static func receive(_ fd: Int32, until marker: String, within seconds: Int) throws -> String {
        let deadline = Date().addingTimeInterval(TimeInterval(seconds))
        var received: [UInt8] = []
        while !String(decoding: received, as: UTF8.self).contains(marker) {
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard left > 0, poll(&poller, 1, left) == 1 else { break }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { break }
            received += chunk[..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }
}
