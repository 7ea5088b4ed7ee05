import Foundation
import Testing
import VaultIndex

/// Every catalog backend the conformance suite runs against.
enum CatalogBackend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite

    var testDescription: String { rawValue }

    /// A fresh, migrated catalog and a closure that removes it.
    func makeCatalog(clock: @escaping @Sendable () -> Date = { Date() }) async throws -> (any Catalog, @Sendable () -> Void) {
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let catalog = try SQLiteCatalog(path: dir.appendingPathComponent("catalog.sqlite").path, clock: clock)
            try await catalog.migrate()
            return (catalog, { try? FileManager.default.removeItem(at: dir) })
        }
    }
}
