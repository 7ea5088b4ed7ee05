import Foundation
import NIOCore
import SessionVault
import TestSupport
import Testing
@testable import VaultServer

/// The service's decryption buffers: one pool under a byte budget, waited for (not exceeded)
/// when spent, given back when a response ends however it ends, and visible in /metrics.
@Suite("Plaintext buffer pool", .timeLimit(.minutes(10)))
struct PlaintextBufferPoolTests {
    @Test func concurrentLeasesNeverExceedTheBudgetAndAllComeBack() async throws {
        let pool = PlaintextBufferPool(budget: 300 << 10, metrics: ServerMetrics())
        // Each task reports the most it saw leased right after a grant (its own buffer included).
        let worst = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<32 {
                group.addTask {
                    var most = 0
                    for round in 0..<20 {
                        let count = (64 + (task * 7 + round * 13) % 64) << 10
                        var buffer = try #require(try await pool.lease(count: count, wait: true))
                        most = max(most, pool.leased)
                        try buffer.decrypt(count: count, keeping: 0..<count) { _ = $0.initializeMemory(as: UInt8.self, repeating: UInt8(task)) }
                        #expect(buffer.bytes.readableBytes == count)
                        await Task.yield()
                        let lease = buffer.lease
                        lease.release()
                    }
                    return most
                }
            }
            return try await group.reduce(0) { max($0, $1) }
        }
        #expect(worst <= 300 << 10)
        #expect(pool.leased == 0)
        #expect(pool.waiting == 0)
    }

    @Test func withoutWaitingALeaseIsRefusedWhenTheBudgetIsSpent() async throws {
        let pool = PlaintextBufferPool(budget: 100, metrics: ServerMetrics())
        let first = try #require(try await pool.lease(count: 60, wait: false))
        #expect(try await pool.lease(count: 60, wait: false) == nil)
        let second = try #require(try await pool.lease(count: 40, wait: false))
        #expect(pool.leased == 100)
        _ = consume first
        _ = consume second
        #expect(pool.leased == 0, "dropping a buffer gives its lease back")
        // One buffer larger than the whole budget is granted when nothing else is leased.
        let big = try #require(try await pool.lease(count: 1000, wait: true))
        #expect(pool.leased == 1000)
        _ = consume big
        #expect(pool.leased == 0)
    }

    @Test func aWaiterCancelledBeforeMemoryComesBackLeavesNoLeaseBehind() async throws {
        let pool = PlaintextBufferPool(budget: 100, metrics: ServerMetrics())
        let held = try #require(try await pool.lease(count: 100, wait: true))
        let waiter = Task { try await pool.lease(count: 50, wait: true) }
        #expect(try await eventually(timeout: .seconds(10)) { pool.waiting == 1 })
        waiter.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiter.value }
        #expect(pool.waiting == 0)
        _ = consume held
        #expect(pool.leased == 0)
    }

    @Test func releasingALeaseTwiceGivesItsBytesBackOnce() async throws {
        let pool = PlaintextBufferPool(budget: 100, metrics: ServerMetrics())
        let first = try #require(try await pool.lease(count: 60, wait: false))
        let second = try #require(try await pool.lease(count: 40, wait: false))
        first.lease.release()
        first.lease.release()
        #expect(pool.leased == 40, "a second release (and the drop below) must not give back another lease's bytes")
        _ = consume first
        #expect(pool.leased == 40)
        _ = consume second
        #expect(pool.leased == 0)
    }

    // MARK: through the service

    @Test func theBudgetHoldsUnderConcurrentRequestsAndEveryBodyIsExact() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        // Two 64 KiB pieces at most, for 12 concurrent whole-recording streams of 5 chunks each.
        let budget = 2 * ServerFixture.chunkSize
        try await f.withServer(ServerConfiguration(plaintextBufferBudget: budget)) { client, server in
            let sampling = Task {
                var most = 0
                while !Task.isCancelled {
                    most = max(most, server.plaintextBuffersLeased)
                    try? await Task.sleep(for: .milliseconds(1))
                }
                return most
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        let start = index * 1000
                        let response = try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice"),
                                                            headers: index % 2 == 0 ? [:] : ["Range": "bytes=\(start)-"])
                        #expect(response.status == (index % 2 == 0 ? 200 : 206))
                        #expect(response.body == Array(f.contentA[(index % 2 == 0 ? 0 : start)...]))
                    }
                }
                try await group.waitForAll()
            }
            sampling.cancel()
            #expect(await sampling.value <= budget)
            #expect(try await eventually(timeout: .seconds(30)) { server.plaintextBuffersLeased == 0 })
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains("sessionvault_http_plaintext_pool_budget_bytes \(budget)"))
            #expect(metrics.contains("sessionvault_http_plaintext_pool_leased_bytes 0"))
            #expect(metrics.contains("sessionvault_http_plaintext_pool_waits_total"))
            #expect(metrics.contains("sessionvault_http_plaintext_pool_buffers_allocated_total"))
        }
    }

    @Test func aRequestWaitsForMemoryAndTheBuffersComeBackWhenTheClientDisconnects() async throws {
        // 24 MiB: far more than the socket buffers and NIO hold, so a client that reads nothing stalls its stream.
        let f = try await ServerFixture.make(contentSize: 24 << 20)
        defer { f.remove() }
        // One chunk's buffer: the stalled stream holds all of it while its write waits. The idle
        // timeout is far beyond the test's time limit: on a loaded machine the steps below once took
        // over a minute, the server cut the stalled reader off, and its buffer came back too early.
        let configuration = ServerConfiguration(idleTimeoutSeconds: 3600, plaintextBufferBudget: ServerFixture.chunkSize)
        try await f.withServer(configuration) { client, server in
            let stalled = try StalledReader(port: client.port)
            try stalled.send("GET /api/recordings/\(f.recordingA)/content HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(f.token("alice"))\r\n\r\n")
            // Stalled for good only once the socket buffers are full: until then the stream still
            // moves, slowly on a loaded machine, and gives its buffer back between chunks. So wait
            // until the bytes served stop growing, with the stream's one buffer held in its write.
            #expect(try await Self.stalls(client: client, server: server, holding: ServerFixture.chunkSize),
                    "the stalled reader's stream stops with one buffer leased")
            let waiting = Task {
                try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice"), headers: ["Range": "bytes=100-199"])
            }
            #expect(try await eventually(timeout: .seconds(30)) { server.streamsWaitingForPlaintextBuffers == 1 },
                    "the second request waits for memory instead of allocating more")
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains("sessionvault_http_plaintext_pool_waiting_streams 1"))
            stalled.close()
            let response = try await waiting.value
            #expect(response.status == 206)
            #expect(response.body == Array(f.contentA[100..<200]))
            #expect(try await eventually(timeout: .seconds(30)) { server.plaintextBuffersLeased == 0 && server.activeStreams == 0 },
                    "the disconnected stream gave its buffers and its permit back")
        }
    }

    /// True once the server's bytes served stay the same for three samples a second apart while
    /// `holding` bytes of buffers are leased; false if that does not happen within two minutes.
    static func stalls(client: HTTPTestClient, server: VaultHTTPServer, holding: Int) async throws -> Bool {
        var last = -1, unchanged = 0
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let served = try await servedBytes(client)
            unchanged = served == last && server.plaintextBuffersLeased == holding ? unchanged + 1 : 0
            if unchanged == 3 { return true }
            last = served
            try await Task.sleep(for: .seconds(1))
        }
        return false
    }

    /// `sessionvault_http_bytes_served_total` as /metrics shows it now.
    static func servedBytes(_ client: HTTPTestClient) async throws -> Int {
        let metrics = try await client.get("/metrics").text
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("sessionvault_http_bytes_served_total ") }
        return try #require(line.flatMap { Int($0.split(separator: " ").last ?? "") })
    }

    @Test func rangesAcrossSegmentBoundariesAreServedByteIdentical() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        // A recording of 1 MiB chunks: 16 segments of 64 KiB each.
        let chunk = 1 << 20, segment = 64 << 10
        var generator = SystemRandomNumberGenerator()
        let content = (0..<(2 * chunk + 3 * segment + 99)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var reader = BufferChunkReader(bytes: content)
        let id = try await f.vault.ingest(IngestRequest(session: "S1", clinician: "dr-a", retentionClass: "care", chunkSize: chunk, actor: "test"),
                                          from: &reader).id
        let n = content.count
        let ranges: [Range<Int>] = [
            (segment - 3)..<(segment + 3), (segment - 1)..<(4 * segment + 1), (chunk - segment - 7)..<(chunk + segment + 7),
            (chunk - 1)..<(2 * chunk + 1), 4321..<(4321 + chunk), (n - 100)..<n,
        ]
        try await f.withServer(ServerConfiguration(plaintextBufferBudget: 4 << 20)) { client, _ in
            for range in ranges {
                let response = try await client.get("/api/recordings/\(id)/content", token: f.token("alice"),
                                                    headers: ["Range": "bytes=\(range.lowerBound)-\(range.upperBound - 1)"])
                #expect(response.status == 206, "\(range)")
                #expect(response.body == Array(content[range]), "\(range)")
            }
            let whole = try await client.get("/api/recordings/\(id)/content", token: f.token("alice"))
            #expect(whole.body == content)
            let parts = try await client.get("/api/recordings/\(id)/content", token: f.token("alice"),
                                             headers: ["Range": "bytes=\(segment - 2)-\(segment + 1),\(chunk - 1)-\(chunk)"])
            #expect(parts.status == 206)
            #expect(Self.contains(parts.body, Array(content[(segment - 2)..<(segment + 2)])))
            #expect(Self.contains(parts.body, Array(content[(chunk - 1)..<(chunk + 1)])))
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}
