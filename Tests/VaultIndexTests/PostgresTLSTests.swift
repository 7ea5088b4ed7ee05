import TestSupport
import Foundation
import Testing
@testable import VaultIndex

/// TLS to PostgreSQL with an organisation's own certificate authority (`sslrootcert`), against a
/// real server this suite starts (scripts/test-servers/postgres.sh, on 127.0.0.1) with a
/// certificate that a throwaway CA made by openssl issued.
@Suite("PostgreSQL over TLS", .serialized, .timeLimit(.minutes(30)))
struct PostgresTLSTests {
    static let pgInstalled = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).contains {
        FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/pg_ctl")
    }

    /// A server with TLS on, the CA that issued its certificate, and a CA that did not.
    struct TLSServer {
        let directory: URL
        let baseURL: String
        let ca: String
        let otherCA: String
        let serverKey: String

        static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/test-servers/postgres.sh").path

        static func start() async throws -> TLSServer {
            // Under /tmp: as root, the server runs as `postgres`, which must reach the directory.
            let directory = URL(fileURLWithPath: "/tmp/sv-pgtls-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
            func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
            let ca = try await TestCA.make(in: directory)
            var environment = ProcessInfo.processInfo.environment
            environment["SESSIONVAULT_TEST_PG_TLS_CERT"] = ca.serverCertificate
            environment["SESSIONVAULT_TEST_PG_TLS_KEY"] = ca.serverKey
            let started = try await ChildProcess.run(URL(fileURLWithPath: "/bin/bash"), [script, "start", path("pg")], environment: environment)
            try #require(started.succeeded, "postgres.sh start: \(started.out) \(started.stderr)")
            let env = try String(contentsOfFile: path("pg/env"), encoding: .utf8)
            let line = try #require(env.split(separator: "\n").first { $0.contains("SESSIONVAULT_TEST_POSTGRES_URL=") })
            let url = try #require(line.split(separator: "=", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
            return TLSServer(directory: directory, baseURL: url, ca: ca.caCertificate, otherCA: ca.otherCACertificate, serverKey: ca.serverKey)
        }

        func stop() async {
            _ = try? await ChildProcess.run(URL(fileURLWithPath: "/bin/bash"), [Self.script, "stop", directory.appendingPathComponent("pg").path])
            try? FileManager.default.removeItem(at: directory)
        }

        func open(_ options: String) async throws -> PostgresCatalog {
            try await PostgresTestServer.catalog(baseURL + "?" + options)
        }
    }

    @Test(.enabled(if: pgInstalled && TestCA.isAvailable,
                   "needs Debian's postgresql and openssl (make test installs them)"))
    func theServerIsVerifiedAgainstTheGivenCAAndOnlyThatOne() async throws {
        let server = try await TLSServer.start()
        // One test, not several: the server takes seconds to start on a loaded machine.
        do {
            // The organisation's CA: the pool's connections and a lock's own connection both use TLS.
            for mode in ["verify-full", "require", "prefer"] {
                let catalog = try await server.open("sslmode=\(mode)&sslrootcert=\(server.ca)")
                try await catalog.migrate()
                #expect(try await catalog.integers("SELECT count(*) FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl") == [1],
                        "sslmode=\(mode): the connection is not encrypted")
                let inLock = try await catalog.withExclusiveLock("tls-check") {
                    try await catalog.integers("SELECT count(*) FROM pg_stat_ssl WHERE ssl")
                }
                #expect((inLock?.first ?? 0) >= 2, "the lock's connection and a pool connection are both encrypted")
                await catalog.close()
            }
            // The system's trust store does not know this CA, and another CA did not issue the certificate.
            for options in ["sslmode=require", "sslmode=verify-full&sslrootcert=\(server.otherCA)"] {
                do {
                    let catalog = try await server.open(options)
                    await catalog.close()
                    Issue.record("\(options): a server certificate no trusted CA issued was accepted")
                } catch {
                    #expect("\(error)".contains("the server's certificate was not issued by a trusted CA"), "\(options): \(error)")
                }
            }
            // A CA file that is missing, or holds no certificate, is named in the error.
            await #expect { _ = try await server.open("sslmode=require&sslrootcert=/nonexistent/ca.pem") } throws: { error in
                "\(error)".contains("sslrootcert '/nonexistent/ca.pem' cannot be read")
            }
            await #expect { _ = try await server.open("sslmode=require&sslrootcert=\(server.serverKey)") } throws: { error in
                "\(error)".contains("sslrootcert '\(server.serverKey)': cannot read CA certificates")
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
