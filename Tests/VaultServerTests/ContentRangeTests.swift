import TestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import VaultServer

@Suite("Service content streaming with Range", .timeLimit(.minutes(30)))
struct ContentRangeTests {
    @Test func theWholeRecordingIsStreamedWithValidators() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let response = try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice"))
            #expect(response.status == 200)
            #expect(response.body == f.contentA)
            #expect(response.header("content-length") == String(f.contentA.count))
            #expect(response.header("accept-ranges") == "bytes")
            #expect(response.header("etag")?.hasPrefix("\"") == true)
            #expect(response.header("cache-control")?.contains("no-store") == true)
            let again = try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("rita"))
            #expect(again.header("etag") == response.header("etag"))
        }
    }

    @Test func rangeEdgeCasesAnswer206WithTheExactBytes() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        let n = f.contentA.count
        let chunk = ServerFixture.chunkSize
        let cases: [(String, Range<Int>)] = [
            ("bytes=0-0", 0..<1),                                   // first byte
            ("bytes=\(n - 1)-\(n - 1)", (n - 1)..<n),               // last byte
            ("bytes=-500", (n - 500)..<n),                          // suffix
            ("bytes=-\(n + 99)", 0..<n),                            // suffix longer than the recording
            ("bytes=\(n - 10)-", (n - 10)..<n),                     // open-ended
            ("bytes=\(chunk - 6)-\(chunk + 9)", (chunk - 6)..<(chunk + 10)),          // across one chunk boundary
            ("bytes=\(chunk)-\(2 * chunk - 1)", chunk..<(2 * chunk)),                 // exactly one chunk
            ("bytes=1000-\(3 * chunk + 77)", 1000..<(3 * chunk + 78)),                // several chunks
            ("bytes=\(n - 5)-\(n + 1000)", (n - 5)..<n),            // end beyond the end is clipped
            ("bytes = 10-19", 10..<20),                              // whitespace tolerated
        ]
        try await f.withServer { client, _ in
            for (header, expected) in cases {
                let response = try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice"), headers: ["Range": header])
                #expect(response.status == 206, "\(header)")
                #expect(response.body == Array(f.contentA[expected]), "\(header)")
                #expect(response.header("content-range") == "bytes \(expected.lowerBound)-\(expected.upperBound - 1)/\(n)", "\(header)")
                #expect(response.header("content-length") == String(expected.count), "\(header)")
            }
        }
    }

    @Test func unsatisfiableOrMalformedByteRangesAnswer416WithTheSize() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        let n = f.contentA.count
        try await f.withServer { client, _ in
            for header in ["bytes=\(n)-", "bytes=\(n)-\(n + 10)", "bytes=\(n + 100)-\(n + 200)", "bytes=-0", "bytes=abc", "bytes=5-2", "bytes=-", "bytes="] {
                let response = try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice"), headers: ["Range": header])
                #expect(response.status == 416, "\(header)")
                #expect(response.header("content-range") == "bytes */\(n)", "\(header)")
            }
            let refused = try await f.audit(f.recordingA).filter { $0.draft.detail?.contains("range not satisfiable") == true }
            #expect(refused.count == 8)
            #expect(refused.allSatisfy { $0.draft.outcome == "refused" })
        }
    }

    @Test func otherUnitsAndTooManyRangesAreAnsweredWithTheWholeBody() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        let many = "bytes=" + (0..<17).map { "\($0 * 10)-\($0 * 10 + 1)" }.joined(separator: ",")
        try await f.withServer { client, _ in
            for header in ["items=0-1", many, "bytes=0-,0-"] {
                let response = try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice"), headers: ["Range": header])
                #expect(response.status == 200, "\(header)")
                #expect(response.body == f.contentA)
            }
        }
    }

    /// The parts of a `multipart/byteranges` body: each part's headers (lowercased names) and bytes.
    func multipartParts(_ body: [UInt8], boundary: String) throws -> [(headers: [String: String], bytes: [UInt8])] {
        let delimiter = Array("--\(boundary)".utf8)
        var starts: [Int] = []
        var index = 0
        while index + delimiter.count <= body.count {
            if Array(body[index..<(index + delimiter.count)]) == delimiter { starts.append(index); index += delimiter.count } else { index += 1 }
        }
        try #require(starts.count >= 2)
        #expect(Array(body[starts.last!...]) == delimiter + Array("--\r\n".utf8), "closing delimiter")
        var parts: [(headers: [String: String], bytes: [UInt8])] = []
        for (n, start) in starts.dropLast().enumerated() {
            // A part runs to the CRLF that precedes the next delimiter.
            let end = starts[n + 1] - 2
            #expect(Array(body[end..<starts[n + 1]]) == Array("\r\n".utf8))
            let part = Array(body[(start + delimiter.count + 2)..<end])
            let blank = Array("\r\n\r\n".utf8)
            let split = try #require((0...(part.count - blank.count)).first { Array(part[$0..<($0 + blank.count)]) == blank })
            var headers: [String: String] = [:]
            for line in String(decoding: part[0..<split], as: UTF8.self).components(separatedBy: "\r\n") {
                let pieces = line.split(separator: ":", maxSplits: 1)
                headers[pieces[0].lowercased()] = pieces[1].trimmingCharacters(in: .whitespaces)
            }
            parts.append((headers, Array(part[(split + blank.count)...])))
        }
        return parts
    }

    @Test func severalRangesAnswerOneMultipartBodyWithEachPartExact() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        let n = f.contentA.count
        let chunk = ServerFixture.chunkSize
        let wanted: [Range<Int>] = [0..<10, (chunk - 5)..<(chunk + 5), (n - 3)..<n, 100..<101]
        let header = "bytes=0-9, \(chunk - 5)-\(chunk + 4),-3,100-100"
        try await f.withServer { client, _ in
            let response = try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice"), headers: ["Range": header])
            #expect(response.status == 206)
            let type = try #require(response.header("content-type"))
            #expect(type.hasPrefix("multipart/byteranges; boundary="))
            #expect(response.header("content-range") == nil)
            #expect(response.header("content-length") == String(response.body.count))
            let parts = try multipartParts(response.body, boundary: String(type.dropFirst("multipart/byteranges; boundary=".count)))
            #expect(parts.count == wanted.count)
            for (part, range) in zip(parts, wanted) {
                #expect(part.headers["content-range"] == "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(n)")
                #expect(part.headers["content-type"] == "video/webm" || part.headers["content-type"] != nil)
                #expect(part.bytes == Array(f.contentA[range]), "part \(range)")
            }
            let entry = try #require(try await f.audit(f.recordingA).last)
            #expect(entry.draft.outcome == "ok")
            #expect(entry.draft.detail == "ranges 0-9,\(chunk - 5)-\(chunk + 4),\(n - 3)-\(n - 1),100-100")
        }
    }

    @Test func ifRangeHonoursTheRangeOnlyWhileTheETagMatches() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let path = "/api/recordings/\(f.recordingA)/content"
            let etag = try #require(try await client.get(path, token: f.token("alice"), headers: ["Range": "bytes=0-0"]).header("etag"))
            let matching = try await client.get(path, token: f.token("alice"), headers: ["Range": "bytes=10-19", "If-Range": etag])
            #expect(matching.status == 206)
            #expect(matching.body == Array(f.contentA[10..<20]))
            let stale = try await client.get(path, token: f.token("alice"), headers: ["Range": "bytes=10-19", "If-Range": "\"something-else\""])
            #expect(stale.status == 200)
            #expect(stale.body == f.contentA)
            let dated = try await client.get(path, token: f.token("alice"), headers: ["Range": "bytes=10-19", "If-Range": "Wed, 21 Oct 2015 07:28:00 GMT"])
            #expect(dated.status == 200)
        }
    }

    @Test func eachRangeReadIsAuditedWithItsRange() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            _ = try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice"), headers: ["Range": "bytes=100-199"])
            let entry = try #require(try await f.audit(f.recordingA).last)
            #expect(entry.draft.action == "get")
            #expect(entry.draft.outcome == "ok")
            #expect(entry.draft.actor == "user:alice@127.0.0.1")
            #expect(entry.draft.role == "clinician")
            #expect(entry.draft.purpose == "care")
            #expect(entry.draft.detail == "range 100-199")
        }
    }

    @Test func theReviewStreamServesTheOriginalWhenNoReviewCopyIsStored() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let response = try await client.get("/api/recordings/\(f.recordingA)/review", token: f.token("alice"), headers: ["Range": "bytes=5-9"])
            #expect(response.status == 206)
            #expect(response.header("x-review-source") == "original")
            #expect(response.body == Array(f.contentA[5..<10]))
        }
    }

    @Test func streamsBeyondTheConcurrencyCapAreRefusedWith503() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer(ServerConfiguration(maxConcurrentStreams: 0)) { client, server in
            let response = try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice"))
            #expect(response.status == 503)
            #expect(response.header("retry-after") == "1")
            #expect(server.activeStreams == 0)
        }
    }

    @Test func aClientThatStopsReadingLosesItsStreamAfterTheIdleTimeout() async throws {
        // 24 MiB: far more than the socket buffers and NIO's outbound buffer hold, so the stream stalls.
        let f = try await ServerFixture.make(contentSize: 24 << 20)
        defer { f.remove() }
        try await f.withServer(ServerConfiguration(maxConcurrentStreams: 1, idleTimeoutSeconds: 1)) { client, server in
            let stalled = try StalledReader(port: client.port)
            defer { stalled.close() }
            try stalled.send("GET /api/recordings/\(f.recordingA)/content HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(f.token("alice"))\r\n\r\n")
            _ = try await eventually(timeout: .seconds(30)) { server.activeStreams > 0 }
            #expect(server.activeStreams == 1, "the stalled request holds the only stream")
            #expect(try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice"), headers: ["Range": "bytes=0-9"]).status == 503)
            // The connection is closed once no write has completed for the idle timeout (1 s here).
            _ = try await eventually(timeout: .seconds(60)) { server.activeStreams == 0 }
            #expect(server.activeStreams == 0, "the stalled stream gave its permit back")
            let response = try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice"), headers: ["Range": "bytes=0-9"])
            #expect(response.status == 206)
            #expect(response.body == Array(f.contentA[0..<10]))
        }
    }

    @Test func completedStreamsGiveTheirPermitBack() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer(ServerConfiguration(maxConcurrentStreams: 1)) { client, server in
            for _ in 0..<3 {
                #expect(try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice")).status == 200)
            }
            // A permit is released when the body has been written out, which can come a moment
            // after the client has read the last byte.
            let released = try await eventually(timeout: .seconds(30)) { server.activeStreams == 0 }
            #expect(released)
        }
    }
}

/// A client that sends a request and never reads the answer, with a tiny receive buffer.
final class StalledReader: Sendable {
    let fd: Int32

    init(port: Int) throws {
        fd = try StalledReader.connect(port: port) { fd in
            var size: Int32 = 4096
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else {
            throw HTTPTestClient.ClientError(description: "send failed")
        }
    }

    func close() { Glibc.close(fd) }

    /// A TCP socket connected to 127.0.0.1:`port`, with `configure` applied before connecting.
    static func connect(port: Int, configure: (Int32) -> Void = { _ in }) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPTestClient.ClientError(description: "socket failed") }
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
            Glibc.close(fd)
            throw HTTPTestClient.ClientError(description: "connect failed: \(failure)")
        }
        return fd
    }
}
