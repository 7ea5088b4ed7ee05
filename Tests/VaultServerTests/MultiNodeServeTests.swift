import Foundation
import Testing

/// Two `sessionvault serve` processes (two nodes, each with its own copy of the vault directory)
/// sharing one PostgreSQL catalog and one S3 bucket on the servers `scripts/with-test-servers.sh`
/// starts: an upload to one node is served by the other, and when one node is killed the other
/// carries on. Skipped without those servers unless `SESSIONVAULT_REQUIRE_SERVERS=1` (as in `make test`).
@Suite("Two serve nodes on PostgreSQL and S3", .serialized, .enabled(if: TestServers.shouldRun), .timeLimit(.minutes(30)))
struct MultiNodeServeTests {
    static let environment = ProcessInfo.processInfo.environment

    @Test func anUploadToOneNodeIsServedByTheOtherAndSurvivesTheFirstNodesDeath() async throws {
        guard let postgres = Self.environment["SESSIONVAULT_TEST_POSTGRES_URL"], let endpoint = Self.environment["SESSIONVAULT_TEST_S3_ENDPOINT"] else {
            Issue.record("SESSIONVAULT_REQUIRE_SERVERS=1 but the test servers' variables are unset")
            return
        }
        let database = "serve_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        let psql = try await ServeProcess.runTool("/usr/bin/psql", [postgres, "-q", "-c", "CREATE DATABASE \(database)"])
        try #require(psql.status == 0, "psql: \(psql.stderr)")
        // Not awaited (this runs in `defer`): the drop needs nothing from the test.
        defer { Task { _ = try? await ServeProcess.runTool("/usr/bin/psql", [postgres, "-q", "-c", "DROP DATABASE IF EXISTS \(database) WITH (FORCE)"]) } }
        let catalog = String(postgres[..<postgres.range(of: "/", options: .backwards)!.upperBound]) + database
        let blobs = "s3://serve-\(UUID().uuidString.lowercased().prefix(16))?endpoint=\(endpoint)&region=us-east-1&style=path&lock=compliance"

        let rootA = FileManager.default.temporaryDirectory.appendingPathComponent("node-a-\(UUID().uuidString)")
        let rootB = FileManager.default.temporaryDirectory.appendingPathComponent("node-b-\(UUID().uuidString)")
        // The erasure root both nodes share (as a mount every node has would be; docs/DEPLOYMENT.md).
        let erasureRoot = FileManager.default.temporaryDirectory.appendingPathComponent("erasure-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: rootA)
            try? FileManager.default.removeItem(at: rootB)
            try? FileManager.default.removeItem(at: erasureRoot)
        }
        let shared = ["SESSIONVAULT_PASSPHRASE": "two nodes passphrase",
                      "SESSIONVAULT_S3_ACCESS_KEY": Self.environment["SESSIONVAULT_TEST_S3_ACCESS_KEY"] ?? "",
                      "SESSIONVAULT_S3_SECRET_KEY": Self.environment["SESSIONVAULT_TEST_S3_SECRET_KEY"] ?? ""]
        let envA = shared.merging(["SESSIONVAULT_DIR": rootA.path]) { $1 }
        let envB = shared.merging(["SESSIONVAULT_DIR": rootB.path]) { $1 }
        for arguments in [["init", "--chunk-size", "64KiB", "--kdf", "interactive", "--catalog", catalog, "--blobs", blobs,
                           "--erasure-root", erasureRoot.appendingPathComponent("root").path], ["role", "add", "clinician"],
                          ["role", "add", "records-officer"],
                          ["consent", "record", "--session", "S1", "--patient", "9434765919", "--scope", "care"]] {
            let result = try await ServeProcess.run(arguments, environment: envA)
            try #require(result.status == 0, "\(arguments.first ?? ""): \(result.stderr)")
        }
        let added = try await ServeProcess.run(["user", "add", "alice", "--role", "clinician", "--patient", "9434765919"], environment: envA)
        try #require(added.status == 0, "user add: \(added.stderr)")
        let token = added.out.trimmingCharacters(in: .whitespacesAndNewlines)
        try FileManager.default.copyItem(at: rootA, to: rootB)

        let nodeA = try await ServeProcess.Server.start(arguments: [], environment: envA)
        let nodeB = try await ServeProcess.Server.start(arguments: [], environment: envB)
        defer {
            nodeA.stop()
            nodeB.stop()
        }
        let auth = ["Authorization": "Bearer " + token]
        let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let uploaded = try await HTTPTestClient(port: nodeA.port).request("POST", "/api/recordings?session=S1&class=care", headers: auth,
                                                                         body: .bytes(body))
        #expect(uploaded.status == 201)
        let id = try #require(try uploaded.json()["id"] as? String)

        let b = HTTPTestClient(port: nodeB.port)
        #expect(try await b.get("/api/recordings/\(id)/content", headers: auth).body == body)
        let range = try await b.get("/api/recordings/\(id)/content", headers: auth.merging(["Range": "bytes=65530-131080"]) { $1 })
        #expect(range.status == 206)
        #expect(range.body == Array(body[65530...131080]))

        // Node A dies without warning; node B still serves, takes uploads, and holds the audit of both.
        nodeA.child.send(SIGKILL)
        _ = try await nodeA.child.finish()
        #expect(try await b.get("/api/recordings/\(id)/content", headers: auth).body == body)
        let second = try await b.request("POST", "/api/recordings?session=S1&class=care", headers: auth, body: .bytes(Array(body.prefix(1000))))
        #expect(second.status == 201)
        let listed = try await b.get("/api/recordings", headers: auth)
        #expect(try listed.json()["count"] as? Int == 2)
        let audit = try await b.get("/api/recordings/\(id)/audit", headers: auth)
        #expect((try audit.json()["count"] as? Int ?? 0) >= 4, "ingest on A, three reads on B")
        let verify = try await ServeProcess.run(["audit", "verify"], environment: envB)
        #expect(verify.status == 0, "\(verify.out) \(verify.stderr)")
    }
}

/// Whether the PostgreSQL and S3 test servers are there (or required, and their absence a failure).
enum TestServers {
    static let shouldRun: Bool = {
        let environment = ProcessInfo.processInfo.environment
        let available = environment["SESSIONVAULT_TEST_POSTGRES_URL"] != nil && environment["SESSIONVAULT_TEST_S3_ENDPOINT"] != nil
        if !available && environment["SESSIONVAULT_REQUIRE_SERVERS"] != "1" {
            print("MultiNodeServeTests: no PostgreSQL/S3 test servers in the environment: skipped (run under scripts/with-test-servers.sh)")
        }
        return available || environment["SESSIONVAULT_REQUIRE_SERVERS"] == "1"
    }()
}
