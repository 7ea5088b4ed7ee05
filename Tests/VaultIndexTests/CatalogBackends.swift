import Foundation
import Testing
@testable import VaultIndex

/// Every catalog backend the conformance suite runs against.
///
/// PostgreSQL runs when `SESSIONVAULT_TEST_POSTGRES_URL` names a server where the user may create
/// databases (`scripts/test-servers/postgres.sh start DIR; source DIR/env`); each test gets a
/// database of its own, dropped afterwards. Without the variable its cases are left out with a
/// printed reason, unless `SESSIONVAULT_REQUIRE_SERVERS=1`, when they run and fail saying why.
enum CatalogBackend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// The backends to run here: all, less PostgreSQL when no server is configured and none is required.
    static let enabled: [CatalogBackend] = {
        if PostgresTestServer.url == nil && !PostgresTestServer.required {
            print("note: PostgreSQL catalog cases skipped: \(PostgresTestServer.variable) is unset "
                  + "(scripts/test-servers/postgres.sh start DIR && source DIR/env to run them)")
            return [.sqlite]
        }
        return allCases
    }()

    /// Runs `body` with a fresh, migrated catalog, then closes and removes it (also when `body` throws).
    func withCatalog(clock: @escaping @Sendable () -> Date = { Date() }, _ body: (any Catalog) async throws -> Void) async throws {
        try await withCatalogs(1, clock: clock) { catalogs in try await body(catalogs[0]) }
    }

    /// Runs `body` with `count` catalog instances (separate connections: SQLite handles, PostgreSQL
    /// pools, as separate processes or nodes would have) on one fresh, migrated store.
    func withCatalogs(_ count: Int, clock: @escaping @Sendable () -> Date = { Date() }, _ body: ([any Catalog]) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("catalog.sqlite").path
            var catalogs: [any Catalog] = []
            for _ in 0..<count { catalogs.append(try SQLiteCatalog(path: path, clock: clock)) }
            try await catalogs[0].migrate()
            try await body(catalogs)
        case .postgres:
            try await PostgresTestServer.withDatabase { url in
                var catalogs: [PostgresCatalog] = []
                do {
                    for _ in 0..<count { catalogs.append(try await PostgresTestServer.catalog(url, clock: clock)) }
                    try await catalogs[0].migrate()
                    try await body(catalogs)
                } catch {
                    for catalog in catalogs { await catalog.close() }
                    throw error
                }
                for catalog in catalogs { await catalog.close() }
            }
        }
    }
}

/// A clock that advances one second per reading from a fixed start, so two backends given the same
/// calls stamp the same times (and so compute the same audit hashes).
final class SteppingClock: @unchecked Sendable {
    private let lock = NSLock()
    private var millis: Int64

    private let start: Int64

    init(startMillis: Int64 = 1_800_000_000_000) {
        start = startMillis
        millis = startMillis
    }

    func reset() {
        lock.lock()
        defer { lock.unlock() }
        millis = start
    }

    func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        millis += 1000
        return Date(timeIntervalSince1970: TimeInterval(millis) / 1000)
    }
}

/// Checks that entries form one unbroken chain from the genesis hash; returns a description of the first break.
func chainBreak(_ entries: [AuditEntry]) -> String? {
    var previous = AuditEntry.genesisHash
    for (offset, entry) in entries.enumerated() {
        if entry.sequence != Int64(offset + 1) { return "entry \(offset) has sequence \(entry.sequence)" }
        if entry.previousHash != previous { return "entry \(entry.sequence) does not follow its predecessor" }
        if !entry.isSelfConsistent { return "entry \(entry.sequence) does not match its hash" }
        previous = entry.hash
    }
    return nil
}

/// The PostgreSQL server of the tests, from the environment.
enum PostgresTestServer {
    static let variable = "SESSIONVAULT_TEST_POSTGRES_URL"
    static let url: String? = ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    static let required = ProcessInfo.processInfo.environment["SESSIONVAULT_REQUIRE_SERVERS"] == "1"

    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "SESSIONVAULT_REQUIRE_SERVERS=1 but \(PostgresTestServer.variable) is unset: start a server with "
                + "scripts/test-servers/postgres.sh start DIR and source DIR/env"
        }
    }

    /// The server's URL, or a failure saying how to provide one.
    static func baseURL() throws -> String {
        guard let url else { throw NotConfigured() }
        return url
    }

    /// A catalog with a small pool and a fast lock heartbeat, as tests want.
    static func catalog(_ url: String, clock: @escaping @Sendable () -> Date = { Date() }) async throws -> PostgresCatalog {
        var configuration = try PostgresConfiguration.parse(url, environment: ProcessInfo.processInfo.environment)
        configuration.poolMaximum = 4
        return try await PostgresCatalog(configuration: configuration, clock: clock, logger: .init(label: "test"), lockHeartbeat: .milliseconds(100))
    }

    /// `url` with another database name.
    static func url(_ url: String, database: String) -> String {
        let query = url.firstIndex(of: "?").map { String(url[$0...]) } ?? ""
        let base = url.firstIndex(of: "?").map { String(url[..<$0]) } ?? url
        let slash = base.lastIndex(of: "/")!
        return String(base[...slash]) + database + query
    }

    /// Creates a database of its own for `body` (its URL) and drops it afterwards, even if `body` throws.
    static func withDatabase(_ body: (String) async throws -> Void) async throws {
        let base = try baseURL()
        let name = "sv_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try await PostgresCatalog(url: base, environment: ProcessInfo.processInfo.environment)
        do {
            try await admin.execute("CREATE DATABASE \(name)")
        } catch {
            await admin.close()
            throw error
        }
        var failure: (any Error)?
        do { try await body(url(base, database: name)) } catch { failure = error }
        do { try await admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") } catch { failure = failure ?? error }
        await admin.close()
        if let failure { throw failure }
    }
}
