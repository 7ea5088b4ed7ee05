import Foundation
import VaultIndex
import VaultStore

/// Opens the catalog and blob store named in a vault's configuration.
///
/// | URL | backend |
/// |---|---|
/// | `sqlite:PATH` | ``SQLiteCatalog`` (relative paths inside the vault directory) |
/// | `postgres://USER@HOST:PORT/DB[?sslmode=…]` | ``PostgresCatalog`` (password from the URL or `$SESSIONVAULT_PG_PASSWORD`) |
/// | `file:PATH` | ``FileSystemBlobStore`` |
/// | `s3://BUCKET[/PREFIX]?endpoint=…&region=…&style=…&lock=…` | ``S3BlobStore`` (credentials from the environment) |
///
/// Credentials never come from `config.toml` (which every node holds) and never appear in an error.
enum StorageBackends {
    static func openCatalog(_ url: String, layout: VaultLayout, environment: [String: String],
                            clock: @escaping @Sendable () -> Date) async throws -> any Catalog {
        if url.hasPrefix("sqlite:") {
            let path = String(url.dropFirst("sqlite:".count))
            return try SQLiteCatalog(path: path.hasPrefix("/") ? path : layout.root.appendingPathComponent(path).path, clock: clock)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return try await PostgresCatalog(url: url, environment: environment, clock: clock)
        }
        throw VaultError.config(path: layout.configFile.path, line: nil,
                                message: "unsupported catalog '\(url.redactingCredentials)' (sqlite:PATH or postgres://USER@HOST:PORT/DATABASE)")
    }

    static func openStore(_ url: String, layout: VaultLayout, environment: [String: String]) throws -> any BlobStore {
        if let root = fileStoreRoot(url, layout: layout) {
            return try FileSystemBlobStore(root: root)
        }
        if url.hasPrefix("s3://") {
            return S3BlobStore(configuration: try S3Configuration.parse(url, environment: environment))
        }
        throw VaultError.config(path: layout.configFile.path, line: nil,
                                message: "unsupported blob store '\(url.redactingCredentials)' (file:PATH or s3://BUCKET?endpoint=…)")
    }

    /// The store for a new vault: a blob directory is made; an S3 bucket is checked and, if it
    /// does not exist yet, created (with Object Lock when the URL asks for a lock mode).
    static func createStore(_ url: String, layout: VaultLayout, environment: [String: String]) async throws -> any BlobStore {
        if let root = fileStoreRoot(url, layout: layout) {
            return try FileSystemBlobStore(root: root, create: true)
        }
        let store = try openStore(url, layout: layout, environment: environment)
        guard let s3 = store as? S3BlobStore else { return store }
        do {
            do {
                try await s3.checkBucket()
            } catch {
                // Missing (or unusable) bucket: try to make it; if that is refused too, the first
                // answer is the one that explains the problem.
                do {
                    try await s3.createBucket(objectLockEnabled: s3.configuration.objectLockMode != nil)
                } catch _ {
                    throw error
                }
                try await s3.checkBucket()
            }
        } catch {
            try? await s3.shutdown()
            throw error
        }
        return store
    }

    /// The directory a `file:PATH` URL names (relative paths inside the vault directory); nil for other URLs.
    static func fileStoreRoot(_ url: String, layout: VaultLayout) -> URL? {
        guard url.hasPrefix("file:") else { return nil }
        let path = String(url.dropFirst("file:".count))
        return path.hasPrefix("/") ? URL(fileURLWithPath: path) : layout.root.appendingPathComponent(path)
    }

    static func close(catalog: (any Catalog)? = nil, store: (any BlobStore)? = nil) async {
        if let postgres = catalog as? PostgresCatalog { await postgres.close() }
        if let s3 = store as? S3BlobStore { try? await s3.shutdown() }
    }
}

extension String {
    /// The URL without a password (`postgres://user:secret@host` → `postgres://user:***@host`).
    var redactingCredentials: String {
        guard let scheme = range(of: "://"), let at = self[scheme.upperBound...].firstIndex(of: "@") else { return self }
        let userInfo = self[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return self }
        return String(self[..<colon]) + ":***" + String(self[at...])
    }
}

extension VaultConfig {
    /// The catalog URL for display: no password, no query.
    public var catalogDescription: String { Self.display(catalog) }
    /// The blob store URL for display: no password, no query.
    public var blobsDescription: String { Self.display(blobs) }

    static func display(_ url: String) -> String {
        String(url.redactingCredentials.split(separator: "?", maxSplits: 1).first ?? "")
    }
}
