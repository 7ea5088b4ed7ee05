import Foundation
import SessionVault
import VaultCrypto
import Testing
@testable import VaultIndex

/// A fresh vault in a temporary directory, with roles and a consented session, for tests.
struct TestVault {
    let vault: Vault
    let root: URL
    let passphrase: SecureBytes
    static let chunkSize = 64 << 10

    static func make(roles: [String] = ["clinician", "records-officer", "supervisor"], scopes: [String] = ["care"],
                     session: String = "S1", patient: String = "9434765919",
                     clock: @escaping @Sendable () -> Date = { Date() }, catalog: String? = nil) async throws -> TestVault {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)")
        let passphrase = try SecureBytes(copying: Array("correct horse battery staple".utf8))
        let vault = try await Vault.create(at: VaultLayout(root: root),
                                           options: .init(chunkSize: chunkSize, kdf: .interactive,
                                                          schedule: (DefaultSchedule.fileName, DefaultSchedule.text), catalog: catalog),
                                           passphrase: passphrase, actor: "test", clock: clock)
        for role in roles { try await vault.addRole(role, passphrase: passphrase, by: .unproven("test")) }
        if !scopes.isEmpty {
            try await vault.recordConsent(ConsentRequest(session: session, patientIdentifier: patient, scopes: scopes), vaultPassphrase: passphrase, by: .unproven("test"))
        }
        return TestVault(vault: vault, root: root, passphrase: passphrase)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    /// Makes an officer (a user with an officer key sealed under this vault's test passphrase) and
    /// proves them for `privilege`.
    @discardableResult
    func officer(_ name: String = "rita", role: String = "records-officer", for privilege: OfficerPrivilege = .approveDisposal) async throws -> Officer {
        // Enrolled as the service does it: the first officer during set-up (the officer anchor), the
        // others by the anchor.
        var authority = Authority.unproven("test")
        if let anchor = try vault.officerAnchor(), let first = try await vault.users().first(where: { $0.signingKey == anchor }) {
            authority = .officer(try await vault.proveOfficer(first.name, passphrase: passphrase, for: .manageUsers))
        }
        _ = try await vault.addUser(name: name, role: role, patientPseudonyms: [], officerPassphrase: passphrase, by: authority)
        return try await vault.proveOfficer(name, passphrase: passphrase, for: privilege)
    }

    func ingest(_ bytes: [UInt8], session: String = "S1", retentionClass: String = "care", chunkSize: Int? = nil) async throws -> IngestSummary {
        var reader = BufferChunkReader(bytes: bytes)
        return try await vault.ingest(IngestRequest(session: session, clinician: "dr-a", retentionClass: retentionClass, chunkSize: chunkSize, actor: "test"),
                                      from: &reader)
    }

    func read(_ id: RecordingID, as role: String = "clinician", range: Range<Int64>? = nil) async throws -> [UInt8] {
        let unlocked = try await vault.unlockRole(role, passphrase: passphrase)
        let opened = try await vault.open(id, as: unlocked, actor: "test")
        var sink = MemorySink()
        try await vault.stream(opened, range: range, to: &sink)
        return sink.bytes
    }

    /// A raw connection to the catalog file, for tampering tests.
    var catalogPath: String { root.appendingPathComponent("catalog.sqlite").path }
    var blobRoot: URL { root.appendingPathComponent("blobs") }

    func chunkFile(_ id: RecordingID, _ index: Int) -> URL {
        let hex = id.compactHex
        return blobRoot.appendingPathComponent("chunks/\(hex.prefix(2))/\(hex)/" + String(format: "%08x", index))
    }
}

/// Generates a large deterministic input without holding it: each chunk is filled with a
/// pattern derived from its position.
struct PatternChunkReader: ChunkReader {
    let total: Int64
    var produced: Int64 = 0
    var digest = StreamingSHA256()

    init(total: Int64) { self.total = total }

    mutating func nextChunk(size: Int, headroom: Int, tailroom: Int) async throws -> PlainChunk {
        let count = Int(min(Int64(size), total - produced))
        var buffer = [UInt8](repeating: 0, count: headroom + size + tailroom)
        let seed = UInt8(truncatingIfNeeded: produced / Int64(max(size, 1)) &* 73 &+ 11)
        buffer.withUnsafeMutableBytes { raw in
            let body = UnsafeMutableRawBufferPointer(rebasing: raw[headroom..<(headroom + count)])
            body.initializeMemory(as: UInt8.self, repeating: seed)
            // Vary a few bytes per 4 KiB page so chunks differ inside, not just by seed.
            var position = 0
            while position < count {
                body[position] = UInt8(truncatingIfNeeded: position >> 12)
                position += 4096
            }
            digest.update(UnsafeRawBufferPointer(body))
        }
        produced += Int64(count)
        return PlainChunk(buffer: buffer, headroom: headroom, count: count)
    }
}

struct MemorySink: ByteSink {
    var bytes: [UInt8] = []
    mutating func write(_ slice: ArraySlice<UInt8>) async throws { bytes.append(contentsOf: slice) }
}

struct DigestSink: ByteSink {
    var digest = StreamingSHA256()
    var count: Int64 = 0
    mutating func write(_ slice: ArraySlice<UInt8>) async throws {
        slice.withUnsafeBytes { digest.update($0) }
        count += Int64(slice.count)
    }
}

func pseudoRandomBytes(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

/// Expects `body` to throw a ``VaultError`` with `code`, and records an issue naming what happened
/// instead: nothing thrown, another code (with its message and cause) or another type of error.
/// A check of the type alone would accept any failure at all.
func expectVaultError(_ code: VaultError.Code, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () async throws -> Void) async {
    let note = comment.map { " (\($0))" } ?? ""
    do {
        try await body()
        Issue.record("expected VaultError .\(code)\(note), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as VaultError {
        guard error.code != code else { return }
        Issue.record("expected VaultError .\(code)\(note), got .\(error.code): \(error)\(error.cause.map { " (cause: \($0))" } ?? "")",
                     sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected VaultError .\(code)\(note), got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
}

/// The catalog a test vault runs on: the embedded SQLite file, or a fresh database on the test
/// PostgreSQL server (only under scripts/with-test-servers.sh, where `SharedBackends` finds it).
enum CatalogBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// Both where the test servers run, else the embedded one only.
    static var available: [CatalogBackend] { SharedBackends.shouldRun ? [.sqlite, .postgres] : [.sqlite] }
}

/// A ``TestVault`` on a ``CatalogBackend``; ``remove()`` closes it and drops its database.
struct BackendVault {
    let t: TestVault
    let database: String?

    static func make(_ backend: CatalogBackend, roles: [String], scopes: [String],
                     clock: @escaping @Sendable () -> Date = { Date() }) async throws -> BackendVault {
        guard backend == .postgres else { return BackendVault(t: try await TestVault.make(roles: roles, scopes: scopes, clock: clock), database: nil) }
        let servers = try SharedBackends.require()
        let database = "tv_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        try await servers.createDatabase(String(database))
        let t = try await TestVault.make(roles: roles, scopes: scopes, clock: clock, catalog: servers.postgresURL(database: String(database)))
        return BackendVault(t: t, database: String(database))
    }

    /// Runs `statement` on the catalog's database directly, as an insider with a shell would.
    func sql(_ statement: String) async throws {
        if let database {
            try await SharedBackends.require().psql(database: database, statement)
        } else {
            try SQLiteConnection(path: t.catalogPath).execute(statement)
        }
    }

    func remove() async {
        await t.vault.close()
        t.remove()
        if let database, let servers = try? SharedBackends.require() { try? await servers.dropDatabase(database) }
    }
}

extension Catalog {
    /// ``startDisposal(_:at:actor:)``, returning the ids that started (a disposal begun without
    /// the sweeper, to set up a crashed one).
    func beginDisposal(_ items: [(id: RecordingID, authorisedBy: String)], at: Date, actor: String) async throws(CatalogError) -> [RecordingID] {
        try await startDisposal(items, at: at, actor: actor).started
    }
}
