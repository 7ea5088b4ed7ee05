import Foundation
import TestSupport
import Testing
@testable import VaultStore

/// HTTPS to the object store with an organisation's own certificate authority (`ca=` in the blob
/// store URL), against a real SeaweedFS this suite starts (scripts/test-servers/seaweedfs.sh, on
/// 127.0.0.1) serving a certificate that a throwaway CA made by openssl issued.
@Suite("S3 over HTTPS", .serialized, .timeLimit(.minutes(30)))
struct S3TLSTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/test-servers/seaweedfs.sh").path

    @Test(.enabled(if: TestCA.isAvailable, "needs openssl (make test installs it)"))
    func theGatewayIsVerifiedAgainstTheGivenCAAndOnlyThatOne() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sv-s3tls-\(UUID().uuidString.prefix(8))")
        let ca = try await TestCA.make(in: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = directory.appendingPathComponent("server")
        var environment = ProcessInfo.processInfo.environment
        environment["SESSIONVAULT_TEST_S3_TLS_CERT"] = ca.serverCertificate
        environment["SESSIONVAULT_TEST_S3_TLS_KEY"] = ca.serverKey
        let started = try await ChildProcess.run(URL(fileURLWithPath: "/bin/bash"), [Self.script, "start", server.path], environment: environment)
        try #require(started.succeeded, "seaweedfs.sh start: \(started.out) \(started.stderr)")
        do {
            try await check(ca: ca, env: try String(contentsOf: server.appendingPathComponent("env"), encoding: .utf8))
        } catch {
            _ = try? await ChildProcess.run(URL(fileURLWithPath: "/bin/bash"), [Self.script, "stop", server.path])
            throw error
        }
        _ = try? await ChildProcess.run(URL(fileURLWithPath: "/bin/bash"), [Self.script, "stop", server.path])
    }

    func check(ca: TestCA, env: String) async throws {
        var values: [String: String] = [:]
        for line in env.split(separator: "\n") {
            let pair = line.replacingOccurrences(of: "export ", with: "").split(separator: "=", maxSplits: 1)
            if pair.count == 2 { values[String(pair[0])] = String(pair[1]) }
        }
        let https = try #require(values["SESSIONVAULT_TEST_S3_HTTPS_ENDPOINT"], "no HTTPS endpoint in the server's env")
        let credentials = ["SESSIONVAULT_S3_ACCESS_KEY": values["SESSIONVAULT_TEST_S3_ACCESS_KEY"] ?? "",
                           "SESSIONVAULT_S3_SECRET_KEY": values["SESSIONVAULT_TEST_S3_SECRET_KEY"] ?? ""]
        let bucket = S3TestEnvironment.freshBucketName()
        func url(_ extra: String) -> String { "s3://\(bucket)?endpoint=\(https)&attempts=3&backoff-ms=10" + extra }

        // The organisation's CA: a bucket, a blob, a ranged read, all over HTTPS.
        let trusted = try S3Configuration.parse(url("&ca=\(ca.caCertificate)"), environment: credentials)
        #expect(trusted.trustedCAFile == ca.caCertificate)
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        let key = try BlobKey("chunks/tls/0")
        try await S3BlobStore.withStore(trusted) { store in
            try await store.createBucket(objectLockEnabled: false)
            try await store.put(key, bytes, options: .none)
            #expect(try await store.get(key) == bytes)
            let parts = try await store.get(key, ranges: [10..<20, 150_000..<150_100], into: [])
            #expect(parts == Array(bytes[10..<20] + bytes[150_000..<150_100]))
            try await store.delete(key)
            try? await store.removeBucketForTests()
        }

        // The system's trust store does not know this CA, and another CA did not issue the
        // certificate: refused at once (one attempt), saying why.
        for extra in ["", "&ca=\(ca.otherCACertificate)"] {
            let configuration = try S3Configuration.parse(url(extra), environment: credentials)
            let error = try await S3BlobStore.withStore(configuration) { store in
                await #expect(throws: BlobStoreError.self) { try await store.get(key) }
            }
            guard case .unreachable(_, _, _, let attempts, let reason)? = error else {
                Issue.record("\(extra): expected .unreachable, got \(String(describing: error))")
                continue
            }
            #expect(attempts == 1, "an untrusted certificate was retried")
            #expect(reason.contains("the server's certificate was not issued by a trusted CA"), "\(reason)")
        }

        // A CA file that is missing or holds no certificate, or a CA for a plain-HTTP endpoint, is a
        // configuration error naming it.
        #expect(throws: BlobStoreError.invalidConfiguration("ca='/nonexistent/ca.pem' cannot be read (no such file, or no permission)")) {
            try S3Configuration.parse(url("&ca=/nonexistent/ca.pem"), environment: credentials)
        }
        #expect(throws: BlobStoreError.invalidConfiguration("ca='\(ca.serverKey)' holds no PEM certificate")) {
            try S3Configuration.parse(url("&ca=\(ca.serverKey)"), environment: credentials)
        }
        let plain = try #require(values["SESSIONVAULT_TEST_S3_ENDPOINT"])
        #expect {
            try S3Configuration.parse("s3://\(bucket)?endpoint=\(plain)&ca=\(ca.caCertificate)", environment: credentials)
        } throws: { if case .invalidConfiguration? = $0 as? BlobStoreError { true } else { false } }
    }
}
