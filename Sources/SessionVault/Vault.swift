public import Foundation
import Retention
import TOMLKit
public import VaultCrypto
public import VaultIndex
public import VaultStore

/// A SessionVault: catalog, blob store, keyring and configuration, opened from one directory.
///
/// The vault knows no transport: the CLI and the HTTP server are two faces of this API.
/// Every operation that touches a recording appends to the audit trail in the same catalog
/// transaction as the change it records.
public struct Vault: Sendable {
    public let layout: VaultLayout
    public let config: VaultConfig
    package let catalog: any Catalog
    package let store: any BlobStore
    public let keyring: Keyring
    /// The current time; injected so retention and sweeps are testable without waiting.
    public let clock: @Sendable () -> Date
    /// Parsed-once state shared by copies of this vault.
    let memo = VaultMemo()
    /// Review copies still being made after their original's ingest returned.
    let backgroundReviews = BackgroundReviewCopies()
    /// The erasure tree every new wrap is sealed under (docs/THREAT-MODEL.md, "Erasure"); nil only for
    /// a vault built by hand without one (``init(layout:config:catalog:store:keyring:clock:)``).
    let erasure: ErasureTree?
    /// The officer anchor pinned by the caller from outside the vault's files (``pinningOfficerAnchor(_:)``).
    var pinnedOfficerAnchor: [UInt8]? = nil

    package init(layout: VaultLayout, config: VaultConfig, catalog: any Catalog, store: any BlobStore, keyring: Keyring,
                 clock: @escaping @Sendable () -> Date = { Date() }) {
        self.init(layout: layout, config: config, catalog: catalog, store: store, keyring: keyring, erasure: nil, clock: clock)
    }

    init(layout: VaultLayout, config: VaultConfig, catalog: any Catalog, store: any BlobStore, keyring: Keyring, erasure: ErasureTree?,
         clock: @escaping @Sendable () -> Date) {
        self.layout = layout
        self.config = config
        self.catalog = catalog
        self.store = store
        self.keyring = keyring
        self.erasure = erasure
        self.clock = clock
    }

    /// Options for a new vault.
    public struct CreateOptions: Sendable {
        public var chunkSize: Int
        public var algorithm: ChunkAlgorithm
        public var kdf: KDFStrength
        /// The retention schedule's text and file name, copied into the vault so the schedule in force travels with it.
        public var schedule: (name: String, text: String)?
        /// The catalog: `sqlite:PATH` (default `sqlite:catalog.sqlite`) or `postgres://…`.
        public var catalog: String?
        /// The blob store: `file:PATH` (default `file:blobs`) or `s3://BUCKET…`.
        public var blobs: String?
        /// The erasure tree's root file (default `erasure/root` in the vault directory); see ``VaultConfig/erasureRoot``.
        public var erasureRoot: String?

        /// `kdf`: Argon2id cost of the passphrase-sealed keys; `moderate` by default (256 MiB, about a
        /// second per unlock), `interactive` only where unlocking must be fast and the keyring is well guarded.
        public init(chunkSize: Int = 4 << 20, algorithm: ChunkAlgorithm = .preferred, kdf: KDFStrength = .moderate,
                    schedule: (name: String, text: String)? = nil, catalog: String? = nil, blobs: String? = nil, erasureRoot: String? = nil) {
            self.erasureRoot = erasureRoot
            self.chunkSize = chunkSize
            self.algorithm = algorithm
            self.kdf = kdf
            self.schedule = schedule
            self.catalog = catalog
            self.blobs = blobs
        }
    }

    /// Creates a vault in an empty or missing directory: configuration, catalog (migrated),
    /// blob directory and keyring with the vault's own secrets sealed under `passphrase`. The
    /// creation (and the adoption of the first schedule) is audited as `actor`.
    public static func create(at layout: VaultLayout, options: CreateOptions = CreateOptions(), passphrase: SecureBytes, actor: String,
                              clock: @escaping @Sendable () -> Date = { Date() }) async throws(VaultError) -> Vault {
        try await vaultBoundary {
            let fm = FileManager.default
            if fm.fileExists(atPath: layout.configFile.path) || fm.fileExists(atPath: layout.catalogFile.path) {
                throw VaultError.vaultExists(path: layout.root.path)
            }
            guard VaultConfig.chunkSizeRange.contains(options.chunkSize) else {
                throw VaultError.invalidArgument("chunk size \(options.chunkSize) must be between 64KiB and 64MiB")
            }
            guard options.algorithm.isAvailable else { throw VaultError.crypto(.algorithmUnavailable(options.algorithm)) }
            try PassphraseStrength.check(passphrase, for: "the vault")
            try fm.createDirectory(at: layout.root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            var config = VaultConfig.makeDefault(vaultID: UUID().uuidString.lowercased(), chunkSize: options.chunkSize,
                                                 algorithm: options.algorithm, kdf: options.kdf)
            if let schedule = options.schedule {
                config.retentionSchedule = "retention/" + schedule.name
                try AtomicFile.write(Array(schedule.text.utf8), to: layout.root.appendingPathComponent(config.retentionSchedule), mode: 0o644)
            }
            if let url = options.catalog { config.catalog = url }
            if let url = options.blobs { config.blobs = url }
            if let root = options.erasureRoot {
                if let problem = VaultConfig.erasureRootProblem(root) { throw VaultError.invalidArgument(problem) }
                config.erasureRoot = root
            }
            // Backends first: a catalog that already belongs to a vault, or an unreachable store, is
            // refused before any secret is made.
            let environment = ProcessInfo.processInfo.environment
            let store = try await StorageBackends.createStore(config.blobs, layout: layout, environment: environment)
            let catalog: any Catalog
            do {
                catalog = try await StorageBackends.openCatalog(config.catalog, layout: layout, environment: environment, clock: clock)
            } catch {
                await StorageBackends.close(store: store)
                throw error
            }
            do {
                try await catalog.migrate()
                if let existing = try await catalog.meta("vault_id") {
                    throw VaultError.config(path: config.catalog.redactingCredentials, line: nil, message: "this catalog already belongs to vault \(existing)")
                }
            } catch {
                await StorageBackends.close(catalog: catalog, store: store)
                throw error
            }
            let keyring = Keyring(directory: layout.keyringDirectory)
            _ = try keyring.createVaultSecrets(passphrase: passphrase, strength: options.kdf)
            try await catalog.setMeta("vault_id", config.vaultID)
            try await catalog.appendAudit(AuditDraft(actor: actor, action: .vaultInit, target: config.vaultID))
            let erasure = try await openErasureTree(config: config, layout: layout, catalog: catalog, clock: clock)
            let vault = Vault(layout: layout, config: config, catalog: catalog, store: store, keyring: keyring, erasure: erasure, clock: clock)
            // No recording yet, so every stored due date (none) follows the schedule in place.
            if let digest = try? vault.currentScheduleDigest() {
                try await vault.adoptSchedule(digest: digest, actor: actor, reason: "vault created")
            }
            // The configuration is written last: its presence marks a complete vault.
            try AtomicFile.write(Array(config.tomlText().utf8), to: layout.configFile, mode: 0o644)
            return vault
        }
    }

    /// Opens an existing vault, migrating its catalog if this program knows a newer schema.
    public static func open(at layout: VaultLayout, clock: @escaping @Sendable () -> Date = { Date() }) async throws(VaultError) -> Vault {
        try await vaultBoundary {
            let configPath = layout.configFile.path
            guard FileManager.default.fileExists(atPath: configPath) else { throw VaultError.vaultNotFound(path: layout.root.path) }
            let text: String
            do {
                text = try String(contentsOf: layout.configFile, encoding: .utf8)
            } catch {
                throw VaultError.config(path: configPath, line: nil, message: "cannot be read as UTF-8 text")
            }
            let config = try VaultConfig.parse(text, path: configPath)
            let environment = ProcessInfo.processInfo.environment
            let catalog = try await StorageBackends.openCatalog(config.catalog, layout: layout, environment: environment, clock: clock)
            let store: any BlobStore
            do {
                try await catalog.migrate()
                if let id = try await catalog.meta("vault_id"), id != config.vaultID {
                    throw VaultError.config(path: configPath, line: nil, message: "vault_id \(config.vaultID) does not match the catalog's (\(id))")
                }
                store = try StorageBackends.openStore(config.blobs, layout: layout, environment: environment)
            } catch {
                await StorageBackends.close(catalog: catalog)
                throw error
            }
            let erasure: ErasureTree?
            do {
                erasure = try await openErasureTree(config: config, layout: layout, catalog: catalog, clock: clock)
            } catch {
                await StorageBackends.close(catalog: catalog, store: store)
                throw error
            }
            return Vault(layout: layout, config: config, catalog: catalog, store: store, keyring: Keyring(directory: layout.keyringDirectory),
                         erasure: erasure, clock: clock)
        }
    }

    /// Waits for the review copies still being made in the background, then releases the backends'
    /// connections (PostgreSQL pool, S3 HTTP client). Call it when done with the vault; the embedded
    /// backends need nothing, and it is safe to call twice.
    public func close() async {
        await backgroundReviews.waitForAll()
        await StorageBackends.close(catalog: catalog, store: store)
    }

    /// Today's civil date (UTC) as `YYYY-MM-DD`.
    func today() -> String { CivilDate(clock()).description }
}
