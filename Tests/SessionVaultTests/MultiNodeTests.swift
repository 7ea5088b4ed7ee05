import TestSupport
import Foundation
import Testing
@testable import VaultStore
#if canImport(Glibc)
import Glibc
#endif

extension ISO8601DateFormatter {
    /// YYYY-MM-DD in UTC.
    static var civilDay: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter
    }
}

/// Two nodes (two vault directories, as two machines would hold) sharing one PostgreSQL catalog
/// and one S3 bucket on the real servers that `scripts/with-test-servers.sh` starts. Every step
/// runs the `sessionvault` binary as an operator would.
///
/// Skipped (with a printed reason) without the servers' variables, unless
/// `SESSIONVAULT_REQUIRE_SERVERS=1`, which `make test` sets: then a missing server fails.
@Suite("Several nodes on PostgreSQL and S3", .serialized, .enabled(if: SharedBackends.shouldRun), .timeLimit(.minutes(30)))
struct MultiNodeTests {
    /// A vault on fresh backends, set up on node A and copied to node B.
    struct Cluster {
        let a: CLI
        let b: CLI
        let database: String

        let bucket: String
        let erasureRoot: URL

        static func make(lock: String) async throws -> Cluster {
            let servers = try SharedBackends.require()
            let database = "mn_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
            try await servers.createDatabase(database)
            let bucket = "mn-" + UUID().uuidString.lowercased().prefix(18)
            let a = CLI(extra: servers.credentials)
            // The erasure root both nodes share, as a mount every node has would be (docs/DEPLOYMENT.md).
            let erasureRoot = FileManager.default.temporaryDirectory.appendingPathComponent("erasure-\(UUID().uuidString)")
            try await a.expectOK(["init", "--chunk-size", "64KiB", "--kdf", "interactive", "--catalog", servers.postgresURL(database: database),
                            "--blobs", servers.s3URL(bucket: bucket, lock: lock), "--erasure-root", erasureRoot.appendingPathComponent("root").path])
            for role in ["clinician", "records-officer", "supervisor"] { try await a.expectOK(["role", "add", role]) }
            try await a.expectOK(["consent", "record", "--session", "S1", "--patient", "9434765919", "--scope", "care", "--scope", "supervision"])
            // Node B: the same directory (config, keyring, schedule), as DEPLOYMENT.md says to copy it.
            let b = CLI(extra: servers.credentials)
            try FileManager.default.copyItem(at: a.vault, to: b.vault)
            return Cluster(a: a, b: b, database: database, bucket: String(bucket), erasureRoot: erasureRoot)
        }

        func remove() {
            a.remove()
            b.remove()
            try? FileManager.default.removeItem(at: erasureRoot)
            // Not awaited (this runs in `defer`): the drop needs nothing from the test, and the server goes at the end of the run.
            let database = database
            Task { try? await SharedBackends.current?.dropDatabase(database) }
        }
    }

    @Test func aRecordingIngestedOnOneNodeIsReadOnTheOther() async throws {
        let cluster = try await Cluster.make(lock: "compliance")
        defer { cluster.remove() }
        let bytes = pseudoRandomBytes(300_000, seed: 41)
        let id = try await cluster.a.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data(bytes))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await cluster.b.expectOK(["ls"]).out.contains(id))
        let got = try await cluster.b.expectOK(["get", id, "--as", "clinician"])
        #expect(Array(got.stdout) == bytes)
        // A range across 64 KiB segment boundaries: only those segments and their tags are fetched
        // from the object store (two ranged GETs), and they open to exactly those bytes.
        let ranged = try await cluster.b.expectOK(["get", id, "--as", "clinician", "--range", "65530-200000"])
        #expect(Array(ranged.stdout) == Array(bytes[65530...200000]))
        let refused = try await cluster.b.run(["get", id, "--as", "supervisor", "--range", "0-9"])
        #expect(refused.status == 0, "supervision was consented: \(refused.stderr)")
        #expect(try await cluster.b.expectOK(["verify"]).status == 0)
        #expect(try await cluster.a.expectOK(["audit", "verify"]).status == 0)
        // A second `init` on the same catalog is refused: it belongs to this vault already.
        let servers = try SharedBackends.require()
        let intruder = CLI(extra: servers.credentials)
        defer { intruder.remove() }
        let refused2 = try await intruder.run(["init", "--catalog", servers.postgresURL(database: cluster.database),
                                         "--blobs", servers.s3URL(bucket: cluster.bucket, lock: "compliance")])
        #expect(refused2.status != 0)
        #expect(refused2.stderr.contains("already belongs to vault"), "\(refused2.stderr)")
        #expect(try await cluster.a.expectOK(["get", id, "--as", "clinician"]).stdout == Data(bytes), "nothing of the vault was touched")
    }

    @Test func aNodeKilledMidIngestLeavesNothingVisibleWhileTheOtherCarriesOn() async throws {
        let cluster = try await Cluster.make(lock: "compliance")
        defer { cluster.remove() }
        // Node A ingests from a pipe that keeps it busy, and is killed with SIGKILL part-way.
        let input = Pipe()
        let child = try ChildProcess.Running(CLI.binary, ["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"],
                                             environment: cluster.a.environment, stdinPipe: input)
        let writer = input.fileHandleForWriting
        defer { try? writer.close() }
        let block = Data(pseudoRandomBytes(64 << 10, seed: 5))
        try await onOwnThread { for _ in 0..<24 { try writer.write(contentsOf: block) } }
        // Killed once some of its chunks are in the bucket (what gc must then find), however long
        // a loaded machine takes to get there.
        let servers = try SharedBackends.require()
        let bucket = S3BlobStore(configuration: try S3Configuration.parse(servers.s3URL(bucket: cluster.bucket, lock: "compliance"),
                                                                          environment: servers.credentials))
        let stored = try await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            try await !bucket.list(prefix: "chunks/").isEmpty
        }
        try await bucket.shutdown()
        #expect(stored, "the ingest stored no chunk within a minute")
        child.send(SIGKILL)
        #expect(try await child.finish().reason == .uncaughtSignal)

        // Node B goes on: its ingest commits and is the only recording anyone sees.
        let bytes = pseudoRandomBytes(200_000, seed: 42)
        let id = try await cluster.b.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-b", "--class", "care"], stdin: Data(bytes))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        let listed = try await cluster.a.expectOK(["ls", "--json"]).out
        #expect(listed.components(separatedBy: "\"id\"").count - 1 == 1, "only the committed recording is listed: \(listed)")
        #expect(listed.contains(id))
        #expect(Array(try await cluster.a.expectOK(["get", id, "--as", "clinician"]).stdout) == bytes)

        // gc on the other node clears the dead ingest's staging row; its chunks were written under
        // Object Lock, so the store keeps them (unreadable: their key was never stored) until the lock ends.
        let gc = try await cluster.b.expectOK(["gc", "--grace", "0", "--json"]).out
        #expect(gc.contains("\"abandonedIngests\" : [\n    \""), "gc: \(gc)")
        #expect(!gc.contains("\"lockedOrphans\" : 0"), "the killed ingest's chunks are locked: \(gc)")
        let fsck = try await cluster.b.run(["fsck"])
        #expect(fsck.status == 0, "fsck after gc: \(fsck.out) \(fsck.stderr)")
    }

    @Test func aSweeperKilledMidDestructionIsFinishedByTheOtherNode() async throws {
        let cluster = try await Cluster.make(lock: "none")
        defer { cluster.remove() }
        var ids: [String] = []
        for seed in 0..<3 {
            ids.append(try await cluster.a.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "supervision", "--captured", "2020-01-01"],
                                              stdin: Data(pseudoRandomBytes(150_000, seed: UInt64(60 + seed))))
                .out.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let crashed = try await cluster.a.runKilled(at: "sweep.mid-blobs", ["sweep"])
        #expect(crashed.reason == .uncaughtSignal && crashed.status == SIGKILL, "node A's sweep was meant to die part-way: \(crashed.stderr)")
        // Crypto-shredded already: no node can decrypt, whatever is left in the store.
        #expect(try await cluster.b.run(["get", ids[0], "--as", "clinician"]).status != 0)
        let finished = try await cluster.b.expectOK(["sweep", "--json"]).out
        #expect(!finished.contains("\"anotherSweeperActive\" : true"), "node A's lock died with it: \(finished)")
        let destroyed = try await cluster.b.expectOK(["destroyed", "ls", "--json"]).out
        for id in ids { #expect(destroyed.contains(id)) }
        #expect(try await cluster.a.expectOK(["ls", "--json"]).out.components(separatedBy: "\"id\"").count == 1)
        let fsck = try await cluster.a.run(["fsck"])
        #expect(fsck.status == 0, "fsck: \(fsck.out) \(fsck.stderr)")
    }

    @Test func objectLockKeepsTheChunksOfARecordingShreddedEarly() async throws {
        let cluster = try await Cluster.make(lock: "compliance")
        defer { cluster.remove() }
        let yesterday = ISO8601DateFormatter.civilDay.string(from: Date().addingTimeInterval(-86_400))
        let id = try await cluster.a.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "supervision",
                                               "--captured", yesterday], stdin: Data(pseudoRandomBytes(100_000, seed: 77)))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        // The chunks are locked until 90 days after capture. The schedule is then shortened to one day
        // (on both nodes, as an operator deploys it) and adopted: the recording is due today, before
        // its lock ends. Crypto-shredded at once; the chunks refused deletion by the store and kept;
        // the destruction deferred, not lost.
        for node in [cluster.a, cluster.b] {
            let url = node.vault.appendingPathComponent("retention/nhs-mental-health.toml")
            let text = try String(contentsOf: url, encoding: .utf8)
            let supervision = try #require(text.range(of: "[class.supervision]"))
            let rule = try #require(text.range(of: "period = \"90d\"", range: supervision.upperBound..<text.endIndex))
            try text.replacingCharacters(in: rule, with: "period = \"1d\"").write(to: url, atomically: true, encoding: .utf8)
        }
        try await cluster.b.expectOK(["fsck", "--repair"])
        let swept = try await cluster.b.expectOK(["sweep", "--json"]).out
        #expect(swept.contains(id), "deferred: \(swept)")
        #expect(try await cluster.a.run(["get", id, "--as", "records-officer"]).status != 0)
        let again = try await cluster.a.expectOK(["sweep", "--json"]).out
        #expect(again.contains(id), "still deferred at the next sweep: \(again)")
        #expect(!(try await cluster.a.expectOK(["destroyed", "ls", "--json"]).out.contains(id)), "no destruction record while chunks remain")
    }

    /// The scale-out deployment has no file outside an insider's reach: checkpoints go to a bucket
    /// with Object Lock in compliance mode, and a truncated trail is found from that bucket alone.
    @Test func checkpointsPublishedToAnObjectLockBucketRevealATruncatedTrail() async throws {
        let cluster = try await Cluster.make(lock: "none")
        defer { cluster.remove() }
        let servers = try SharedBackends.require()
        let bucket = "cp-" + UUID().uuidString.lowercased().prefix(18)
        let sinkURL = servers.s3URL(bucket: String(bucket), lock: "compliance")
        let admin = S3BlobStore(configuration: try S3Configuration.parse(sinkURL, environment: servers.credentials))
        try await admin.createBucket(objectLockEnabled: true)

        let unlocked = try await cluster.a.run(["sweeper", "--checkpoint-signer", "nobody-yet", "--publish-checkpoints",
                                                servers.s3URL(bucket: String(bucket), lock: "none")])
        #expect(unlocked.status != 0)
        let key = try await cluster.a.expectOK(["audit", "signer", "add", "sweeper-a"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let noLock = try await cluster.a.run(["sweeper", "--checkpoint-signer", "sweeper-a", "--publish-checkpoints",
                                              servers.s3URL(bucket: String(bucket), lock: "none")])
        #expect(noLock.status != 0 && noLock.stderr.contains("Object Lock in compliance mode"), "\(noLock.stderr)")

        let daemon = try cluster.a.start(["sweeper", "--interval", "1h", "--checkpoint-signer", "sweeper-a", "--checkpoint-every", "1",
                                          "--checkpoint-interval", "1s", "--publish-checkpoints", sinkURL])
        try await cluster.b.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data([1, 2, 3]))
        var covered = false
        let deadline = ContinuousClock.now + .seconds(60)
        while !covered && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
            let check = try await cluster.b.run(["audit", "verify", "--public-key", key, "--published", sinkURL, "--json"])
            covered = check.status == 0 && check.out.contains("\"publishedCheckpoints\" : ") && !check.out.contains("\"publishedCheckpoints\" : 0")
        }
        daemon.send(SIGTERM)
        _ = try await daemon.finish()
        #expect(covered, "a checkpoint reached the bucket")
        let objects = try await admin.list(prefix: "audit-checkpoints/")
        #expect(!objects.isEmpty)
        var refused = false
        let first = try #require(objects.first)
        do { try await admin.delete(first.key) } catch { if case .locked = error { refused = true } }
        #expect(refused, "a published checkpoint cannot be deleted")

        // The insider cuts the trail in PostgreSQL and deletes every checkpoint the catalog and the nodes hold.
        try await servers.psql(database: cluster.database, "DELETE FROM audit WHERE seq > (SELECT max(seq) - 2 FROM audit); DELETE FROM audit_checkpoints;")
        for node in [cluster.a, cluster.b] { try? FileManager.default.removeItem(at: node.vault.appendingPathComponent("audit-checkpoints.jsonl")) }
        let found = try await cluster.b.run(["audit", "verify", "--public-key", key, "--published", sinkURL])
        #expect(found.status == 4 && found.out.contains("truncated"), "\(found.out) \(found.stderr)")
        try await admin.shutdown()
    }

    @Test func legalHoldsReachTheObjectStore() async throws {
        let cluster = try await Cluster.make(lock: "governance")
        defer { cluster.remove() }
        let id = try await cluster.a.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "supervision"],
                                        stdin: Data(pseudoRandomBytes(200_000, seed: 8)))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        let servers = try SharedBackends.require()
        let store = S3BlobStore(configuration: try S3Configuration.parse(servers.s3URL(bucket: cluster.bucket, lock: "governance"),
                                                                         environment: servers.credentials))
        let chunks = try await store.list(prefix: "chunks/")
        #expect(chunks.count == 4, "200,000 bytes in 64KiB chunks")
        let placed = try await cluster.b.expectOK(["hold", "place", "--recording", id, "--reason", "litigation", "--ref", "CASE-7"]).out
        let holdID = placed.split(separator: " ").last.map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        for chunk in chunks {
            let state = try #require(try await store.lockState(chunk.key, versionID: nil))
            #expect(state.legalHold, "chunk \(chunk.key) is under legal hold in the store")
            // Written under retention until the earliest day the schedule could let it be destroyed.
            // (supervision: a withdrawal on the day of capture would end it after the 30-day grace period)
            #expect((state.retainUntil ?? .distantPast) > Date().addingTimeInterval(29 * 86_400))
            var refused = false
            do { try await store.delete(chunk.key) } catch { if case .locked = error { refused = true } }
            #expect(refused)
        }
        try await cluster.a.expectOK(["hold", "release", holdID])
        for chunk in chunks {
            #expect(try await store.lockState(chunk.key, versionID: nil)?.legalHold == false, "released: the legal hold is lifted")
        }
        let sync = try await cluster.a.expectOK(["hold", "sync"]).out
        #expect(sync.contains("1 recording"), "hold sync: \(sync)")
        #expect(Array(try await cluster.b.expectOK(["get", id, "--as", "clinician"]).stdout) == pseudoRandomBytes(200_000, seed: 8))
        try await store.shutdown()
    }

    @Test func anUnreachableObjectStoreIsAClearErrorAndLeavesNothingVisible() async throws {
        let cluster = try await Cluster.make(lock: "none")
        defer { cluster.remove() }
        // Node B's configuration points at a port where nothing listens.
        let config = cluster.b.vault.appendingPathComponent("config.toml")
        let text = try String(contentsOf: config, encoding: .utf8)
        let closedPort = try SharedBackends.closedPort()
        let rewritten = text.replacingOccurrences(of: #"endpoint=http://127\.0\.0\.1:[0-9]+"#, with: "endpoint=http://127.0.0.1:\(closedPort)",
                                                  options: .regularExpression)
        #expect(rewritten != text)
        try rewritten.write(to: config, atomically: true, encoding: .utf8)
        let failed = try await cluster.b.run(["ingest", "-", "--session", "S1", "--clinician", "dr-b", "--class", "care"],
                                       stdin: Data(pseudoRandomBytes(100_000, seed: 3)))
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("127.0.0.1:\(closedPort)") && failed.stderr.contains("attempt"), "error: \(failed.stderr)")
        #expect(!failed.stderr.contains(SharedBackends.current?.secretKey ?? "no secret"))
        #expect(try await cluster.a.expectOK(["ls", "--json"]).out.components(separatedBy: "\"id\"").count == 1, "nothing visible")
    }
}

/// The servers `scripts/with-test-servers.sh` started, from its variables.
struct SharedBackends: Sendable {
    let postgres: String
    let s3Endpoint: String
    let accessKey: String
    let secretKey: String
    let region: String

    static let current: SharedBackends? = {
        let env = ProcessInfo.processInfo.environment
        guard let postgres = env["SESSIONVAULT_TEST_POSTGRES_URL"], let s3 = env["SESSIONVAULT_TEST_S3_ENDPOINT"] else { return nil }
        return SharedBackends(postgres: postgres, s3Endpoint: s3, accessKey: env["SESSIONVAULT_TEST_S3_ACCESS_KEY"] ?? "",
                              secretKey: env["SESSIONVAULT_TEST_S3_SECRET_KEY"] ?? "", region: env["SESSIONVAULT_TEST_S3_REGION"] ?? "us-east-1")
    }()

    static let shouldRun: Bool = {
        let required = ProcessInfo.processInfo.environment["SESSIONVAULT_REQUIRE_SERVERS"] == "1"
        if current == nil && !required {
            print("MultiNodeTests: SESSIONVAULT_TEST_POSTGRES_URL / SESSIONVAULT_TEST_S3_ENDPOINT unset: skipped "
                  + "(run them under scripts/with-test-servers.sh, as make test does)")
        }
        return current != nil || required
    }()

    static func require() throws -> SharedBackends {
        guard let current else {
            throw CLIFailure(message: "SESSIONVAULT_REQUIRE_SERVERS=1 but the servers' variables are unset: run under scripts/with-test-servers.sh")
        }
        return current
    }

    var credentials: [String: String] {
        ["SESSIONVAULT_S3_ACCESS_KEY": accessKey, "SESSIONVAULT_S3_SECRET_KEY": secretKey]
    }

    func postgresURL(database: String) -> String {
        guard let slash = postgres.range(of: "/", options: .backwards) else { return postgres }
        return String(postgres[..<slash.upperBound]) + database
    }

    func s3URL(bucket: String, lock: String) -> String {
        "s3://\(bucket)?endpoint=\(s3Endpoint)&region=\(region)&style=path&lock=\(lock)"
    }

    func psql(_ sql: String) async throws {
        let result = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/psql"), [postgres, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        guard result.succeeded else { throw CLIFailure(message: "psql \(sql): \(result.stderr)") }
    }

    func psql(database: String, _ sql: String) async throws {
        let result = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/psql"),
                                                [postgresURL(database: database), "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        guard result.succeeded else { throw CLIFailure(message: "psql \(sql): \(result.stderr)") }
    }

    func createDatabase(_ name: String) async throws { try await psql("CREATE DATABASE \(name)") }
    func dropDatabase(_ name: String) async throws { try await psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }

    /// A loopback port with nothing listening (bound, then closed).
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLIFailure(message: "socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw CLIFailure(message: "bind failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
