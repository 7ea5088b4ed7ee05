import Foundation
import VaultStore

/// Every blob-store backend the conformance suite runs against. A new backend adds a case here
/// and passes the same tests.
enum BlobStoreBackend: String, CaseIterable, CustomTestStringConvertible {
    case filesystem

    var testDescription: String { rawValue }

    /// A fresh, empty store and a closure that removes it.
    func makeStore() throws -> (any BlobStore, @Sendable () -> Void) {
        switch self {
        case .filesystem:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("blobstore-\(UUID().uuidString)")
            let store = try FileSystemBlobStore(root: dir, create: true)
            return (store, { try? FileManager.default.removeItem(at: dir) })
        }
    }
}

import Testing
