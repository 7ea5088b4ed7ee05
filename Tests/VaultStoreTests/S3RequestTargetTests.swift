import Foundation
import Testing
@testable import VaultStore

/// How requests are addressed: what is sent is exactly what is signed.
@Suite("S3 request addressing", .timeLimit(.minutes(30)))
struct S3RequestTargetTests {
    func store(_ endpoint: String, style: S3Configuration.AddressingStyle, prefix: String = "") throws -> S3BlobStore {
        S3BlobStore(
            configuration: try S3Configuration(
                endpoint: URL(string: endpoint)!, bucket: "vault-blobs", keyPrefix: prefix, addressingStyle: style,
                accessKeyID: "AKIDTEST", secretAccessKey: "not-used", retryPolicy: .none))
    }

    @Test func pathStyleNamesTheBucketInThePath() async throws {
        let store = try store("http://127.0.0.1:8333", style: .path, prefix: "clinic-a/")
        defer { Task { try? await store.shutdown() } }
        let object = store.target(S3Request(method: .GET, objectName: store.objectName(try BlobKey("chunks/0f/r_1/00000002"))))
        #expect(object.url == "http://127.0.0.1:8333/vault-blobs/clinic-a/chunks/0f/r_1/00000002")
        #expect(object.host == "127.0.0.1:8333")
        #expect(object.canonicalPath == "/vault-blobs/clinic-a/chunks/0f/r_1/00000002")
        let listing = store.target(
            S3Request(method: .GET, objectName: nil, query: [("prefix", "clinic-a/chunks/"), ("list-type", "2")]))
        #expect(listing.url == "http://127.0.0.1:8333/vault-blobs?list-type=2&prefix=clinic-a%2Fchunks%2F")
        #expect(listing.canonicalPath == "/vault-blobs")
    }

    @Test func virtualHostStyleNamesTheBucketInTheHost() async throws {
        let store = try store("https://s3.example.test", style: .virtualHost)
        defer { Task { try? await store.shutdown() } }
        let object = store.target(S3Request(method: .PUT, objectName: "a/b", query: [("legal-hold", "")]))
        #expect(object.url == "https://vault-blobs.s3.example.test/a/b?legal-hold=")
        #expect(object.host == "vault-blobs.s3.example.test")
        #expect(object.canonicalPath == "/a/b")
        #expect(store.target(S3Request(method: .GET, objectName: nil)).canonicalPath == "/")
        #expect(store.location == "s3://vault-blobs/ at https://s3.example.test")
    }

    @Test func aStoreReleasedWithoutShutdownShutsItsClientDownItself() async throws {
        // In a debug build the HTTP client traps if it is freed while still running: this test
        // would crash the run if the store's deinit did not start the shutdown.
        let port = try FaultyTCPListener.closedPort()
        do {
            let store = try store("http://127.0.0.1:\(port)", style: .path)
            _ = try? await store.size(of: try BlobKey("x"))
        }
        try await Task.sleep(for: .milliseconds(200))
    }
}
