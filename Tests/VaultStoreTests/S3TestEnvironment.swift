import Foundation
import Testing
@testable import VaultStore

/// The SeaweedFS (or other S3) server the S3 tests run against, from the variables that
/// `scripts/test-servers/seaweedfs.sh start DIR` writes to `DIR/env`.
///
/// Without `SESSIONVAULT_TEST_S3_ENDPOINT` the S3 tests are skipped (a line says why), unless
/// `SESSIONVAULT_REQUIRE_SERVERS=1`, in which case they run and fail with a message saying so.
struct S3TestEnvironment: Sendable {
    let endpoint: URL
    let accessKey: String
    let secretKey: String
    let region: String

    static let variables = ProcessInfo.processInfo.environment

    /// The server, if the environment names one.
    static let current: S3TestEnvironment? = {
        guard let text = variables["SESSIONVAULT_TEST_S3_ENDPOINT"], !text.isEmpty, let url = URL(string: text) else {
            return nil
        }
        return S3TestEnvironment(
            endpoint: url, accessKey: variables["SESSIONVAULT_TEST_S3_ACCESS_KEY"] ?? "",
            secretKey: variables["SESSIONVAULT_TEST_S3_SECRET_KEY"] ?? "",
            region: variables["SESSIONVAULT_TEST_S3_REGION"] ?? "us-east-1")
    }()

    static var serversRequired: Bool { variables["SESSIONVAULT_REQUIRE_SERVERS"] == "1" }

    static let skipReason =
        "SESSIONVAULT_TEST_S3_ENDPOINT is unset: S3 tests skipped "
        + "(run scripts/test-servers/seaweedfs.sh start DIR and source DIR/env, or set SESSIONVAULT_REQUIRE_SERVERS=1 to make this a failure)"

    /// Whether S3 tests run: with a server, or without one when servers are required (and then fail).
    static let shouldRun: Bool = {
        if current == nil && !serversRequired {
            print("VaultStoreTests: \(skipReason)")
        }
        return current != nil || serversRequired
    }()

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "SESSIONVAULT_REQUIRE_SERVERS=1 but SESSIONVAULT_TEST_S3_ENDPOINT is unset: "
                + "start scripts/test-servers/seaweedfs.sh start DIR and source DIR/env before the tests"
        }
    }

    /// The server, or an error that fails the test.
    static func require() throws -> S3TestEnvironment {
        guard let current else { throw Missing() }
        return current
    }

    /// A configuration for `bucket` on this server.
    func configuration(
        bucket: String, keyPrefix: String = "", lock: S3Configuration.ObjectLockMode? = nil,
        secretKey: String? = nil, retry: S3Configuration.RetryPolicy = .init(maxAttempts: 3, baseBackoff: .milliseconds(50)),
        listPageSize: Int = 1000
    ) throws -> S3Configuration {
        try S3Configuration(
            endpoint: endpoint, region: region, bucket: bucket, keyPrefix: keyPrefix, addressingStyle: .path,
            accessKeyID: accessKey, secretAccessKey: secretKey ?? self.secretKey, objectLockMode: lock,
            requestTimeout: .seconds(20), retryPolicy: retry, listPageSize: listPageSize)
    }

    static func freshBucketName() -> String {
        "vt-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
    }

    /// Runs `body` with a store on a new bucket (with Object Lock if `lock` is set), then removes
    /// what it can of the bucket and shuts the store down.
    func withFreshBucket<T>(
        lock: S3Configuration.ObjectLockMode? = nil, keyPrefix: String = "", listPageSize: Int = 1000,
        _ body: (S3BlobStore) async throws -> T
    ) async throws -> T {
        let configuration = try configuration(
            bucket: Self.freshBucketName(), keyPrefix: keyPrefix, lock: lock, listPageSize: listPageSize)
        return try await S3BlobStore.withStore(configuration) { store in
            try await store.createBucket(objectLockEnabled: lock != nil)
            let result = try await body(store)
            if lock == nil { try? await store.removeBucketForTests() }
            return result
        }
    }
}

extension S3BlobStore {
    /// Deletes every object of the bucket, then the bucket (tests only; a bucket with locked
    /// versions stays).
    func removeBucketForTests() async throws {
        let all = try await S3BlobStore.withStore(
            try S3Configuration(
                endpoint: configuration.endpoint, region: configuration.region, bucket: configuration.bucket,
                accessKeyID: configuration.accessKeyID, secretAccessKey: configuration.secretAccessKey)
        ) { whole in
            for listing in try await whole.list(prefix: "") { try await whole.delete(listing.key) }
            return try await whole.list(prefix: "")
        }
        guard all.isEmpty else { return }
        _ = try await send(S3Request(method: .DELETE, objectName: nil), operation: "delete bucket", key: nil)
    }
}
