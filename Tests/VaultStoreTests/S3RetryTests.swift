import Foundation
import Testing
@testable import VaultStore

/// How the S3 store retries, against loopback sockets that fail on purpose (no S3 server needed).
@Suite("S3BlobStore retries", .timeLimit(.minutes(30)))
struct S3RetryTests {
    let key = try! BlobKey("chunks/77/rec/00000000")

    func configuration(port: Int, attempts: Int, backoff: Duration = .milliseconds(40)) throws -> S3Configuration {
        try S3Configuration(
            endpoint: URL(string: "http://127.0.0.1:\(port)")!, bucket: "retries", accessKeyID: "AKIDTEST",
            secretAccessKey: "retry-secret-never-shown", requestTimeout: .seconds(5),
            retryPolicy: .init(maxAttempts: attempts, baseBackoff: backoff))
    }

    @Test func aClosedPortFailsClearlyAfterTheConfiguredAttempts() async throws {
        let port = try FaultyTCPListener.closedPort()
        let started = ContinuousClock.now
        try await S3BlobStore.withStore(try configuration(port: port, attempts: 3)) { store in
            await #expect(
                throws: BlobStoreError.unreachable(
                    operation: "get", key: key.path, endpoint: "http://127.0.0.1:\(port)", attempts: 3,
                    reason: "connection refused")
            ) { try await store.get(key) }
        }
        // Two waits of at least half of 40 ms and 80 ms came between the three attempts. (How fast a
        // refused connection fails is not asserted here: on a loaded 2-core machine the whole test
        // process can stall for seconds; time belongs in benchmarks.)
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(60))
    }

    @Test func droppedConnectionsAreRetriedUpToTheLimit() async throws {
        let listener = try FaultyTCPListener(.drop)
        defer { listener.stop() }
        try await S3BlobStore.withStore(try configuration(port: listener.port, attempts: 4, backoff: .milliseconds(10))) { store in
            let error = await #expect(throws: BlobStoreError.self) { try await store.put(key, [1, 2], options: .none) }
            guard case .unreachable(let operation, _, _, let attempts, _)? = error else {
                Issue.record("expected .unreachable, got \(String(describing: error))")
                return
            }
            #expect(operation == "put" && attempts == 4)
        }
        // Each attempt opened at least one connection (the HTTP client may open a spare one).
        #expect((4...8).contains(listener.connections))
    }

    @Test func slowDownIsRetriedAndReportedWithTheServersMessage() async throws {
        let body = "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
        let listener = try FaultyTCPListener(
            .respond(
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\nContent-Length: \(body.utf8.count)\r\n"
                    + "Connection: close\r\n\r\n\(body)"))
        defer { listener.stop() }
        try await S3BlobStore.withStore(try configuration(port: listener.port, attempts: 3, backoff: .milliseconds(10))) { store in
            await #expect(
                throws: BlobStoreError.remote(
                    operation: "head", key: key.path, status: 503,
                    message: "Service Unavailable (http://127.0.0.1:\(listener.port), after 3 attempts)")
            ) { try await store.size(of: key) }
            await #expect(
                throws: BlobStoreError.remote(
                    operation: "list 'chunks/'", key: nil, status: 503,
                    message: "SlowDown: Please reduce your request rate. (http://127.0.0.1:\(listener.port), after 3 attempts)")
            ) { try await store.list(prefix: "chunks/") }
        }
        #expect(listener.connections == 6)
    }

    @Test func aClientErrorIsNotRetried() async throws {
        let body = "<Error><Code>InvalidBucketName</Code><Message>The specified bucket is not valid.</Message></Error>"
        let listener = try FaultyTCPListener(
            .respond("HTTP/1.1 400 Bad Request\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"))
        defer { listener.stop() }
        try await S3BlobStore.withStore(try configuration(port: listener.port, attempts: 5, backoff: .milliseconds(10))) { store in
            await #expect(
                throws: BlobStoreError.remote(
                    operation: "get", key: key.path, status: 400,
                    message: "InvalidBucketName: The specified bucket is not valid. (http://127.0.0.1:\(listener.port))")
            ) { try await store.get(key) }
        }
        #expect(listener.connections == 1)
    }

    @Test func tooManyRequestsIsRetried() async throws {
        let listener = try FaultyTCPListener(
            .respond("HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
        defer { listener.stop() }
        try await S3BlobStore.withStore(try configuration(port: listener.port, attempts: 2, backoff: .milliseconds(10))) { store in
            await #expect { try await store.delete(key) } throws: { if case .remote? = $0 as? BlobStoreError { true } else { false } }
        }
        #expect(listener.connections == 2)
    }

    @Test func backoffGrowsExponentiallyWithJitterAndACap() {
        let policy = S3Configuration.RetryPolicy(maxAttempts: 10, baseBackoff: .milliseconds(100), maxBackoff: .milliseconds(500))
        for _ in 0..<50 {
            let first = S3BlobStore.backoff(beforeRetry: 1, policy: policy)
            #expect(first >= .milliseconds(50) && first <= .milliseconds(100))
            let third = S3BlobStore.backoff(beforeRetry: 3, policy: policy)
            #expect(third >= .milliseconds(200) && third <= .milliseconds(400))
            let capped = S3BlobStore.backoff(beforeRetry: 9, policy: policy)
            #expect(capped >= .milliseconds(250) && capped <= .milliseconds(500))
        }
    }
}
