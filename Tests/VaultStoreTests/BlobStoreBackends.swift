import Foundation
import Testing
import VaultStore

/// Every blob-store backend the conformance suite runs against. A new backend adds a case here
/// and passes the same tests.
enum BlobStoreBackend: String, CaseIterable, CustomTestStringConvertible {
    case filesystem
    /// A fresh bucket per test on the server in `SESSIONVAULT_TEST_S3_ENDPOINT` (see
    /// ``S3TestEnvironment``), listed two keys a page so that every listing follows continuations.
    case s3

    var testDescription: String { rawValue }

    /// The backends to test: S3 only when a server is configured or servers are required.
    static let tested: [BlobStoreBackend] = allCases.filter { $0 != .s3 || S3TestEnvironment.shouldRun }

    /// Runs `body` with a fresh, empty store, then removes the store.
    func withStore(_ body: (any BlobStore) async throws -> Void) async throws {
        switch self {
        case .filesystem:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("blobstore-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            try await body(try FileSystemBlobStore(root: dir, create: true))
        case .s3:
            try await S3TestEnvironment.require().withFreshBucket(listPageSize: 2) { try await body($0) }
        }
    }
}
