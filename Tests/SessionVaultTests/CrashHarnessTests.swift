import TestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the vault's write paths as child processes and kills them with SIGKILL at random
/// moments, then checks the invariants: every committed recording reads back bit-exact, nothing
/// half-done is visible, `fsck` finds no error that `--repair` cannot fix, and re-running the
/// operation completes the work.
///
/// `SESSIONVAULT_CRASH_TRIALS` sets the number of trials per operation (default 2; the full run,
/// `make crash`, uses 40 per operation = 200 in all). `SESSIONVAULT_CRASH_SEED` fixes the random seed.
@Suite("Crash harness", .serialized, .timeLimit(.minutes(120)))
struct CrashHarnessTests {
    static let trials = Int(ProcessInfo.processInfo.environment["SESSIONVAULT_CRASH_TRIALS"] ?? "") ?? 2

    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state ^ (state >> 29)
        }
    }

    /// Chosen once per run and printed, so a failing run can be replayed with `SESSIONVAULT_CRASH_SEED`.
    static let seed: UInt64 = {
        let seed = UInt64(ProcessInfo.processInfo.environment["SESSIONVAULT_CRASH_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970)
        print("Crash harness: \(trials) trials per write path, SESSIONVAULT_CRASH_SEED=\(seed)")
        return seed
    }()

    /// Starts the CLI, optionally feeds stdin, kills it after `delay` seconds (if still running);
    /// returns whether it was killed.
    @discardableResult
    static func runAndKill(_ cli: CLI, _ args: [String], stdin: Data? = nil, after delay: Double) async throws -> Bool {
        let child = try cli.start(args, stdin: stdin)
        try await Task.sleep(for: .seconds(delay))
        child.send(SIGKILL)
        return try await child.finish().reason == .uncaughtSignal
    }

    struct Listing: Decodable { var id: String; var session: String }

    static func live(_ cli: CLI) async throws -> [Listing] {
        try JSONDecoder().decode([Listing].self, from: try await cli.expectOK(["ls", "--json"]).stdout)
    }

    /// fsck finds nothing --repair cannot fix, and after repair nothing at all.
    static func fsckHeals(_ cli: CLI) async throws {
        let repair = try await cli.run(["fsck", "--repair", "--grace", "0", "--json"])
        #expect(repair.status == 0, "fsck --repair left errors: \(repair.out)")
        let check = try await cli.run(["fsck", "--grace", "0", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: check.stdout) as? [String: Any])
        #expect((report["findings"] as? [Any])?.isEmpty == true, "fsck after repair: \(check.out)")
    }

    @Test func killedIngestsNeverExposeHalfARecording() async throws {
        var random = Generator(state: Self.seed)
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        var committed: [String: Data] = [:]
        for trial in 0..<Self.trials {
            let input = Data(pseudoRandomBytes(3_000_000, seed: UInt64(trial)))
            let before = Set(try await Self.live(cli).map(\.id))
            try await Self.runAndKill(cli, ["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: input,
                                after: Double.random(in: 0.01...0.6, using: &random))
            for listing in try await Self.live(cli) where !before.contains(listing.id) {
                committed[listing.id] = input
            }
            for (id, bytes) in committed {
                #expect(try await cli.expectOK(["get", id, "--as", "clinician"]).stdout == bytes, "recording \(id) after trial \(trial)")
            }
            try await Self.fsckHeals(cli)
        }
    }

    @Test func killedWithdrawalsAreAllOrNothing() async throws {
        var random = Generator(state: Self.seed &+ 1)
        for _ in 0..<Self.trials {
            let cli = try await CLI.prepared()
            defer { cli.remove() }
            try await cli.expectOK(["role", "add", "trainer"])
            try await cli.expectOK(["consent", "record", "--session", "T1", "--patient", "5556667777", "--scope", "care", "--scope", "training"])
            var ids: [String] = []
            for n in 0..<5 {
                ids.append(try await cli.expectOK(["ingest", "-", "--session", "T1", "--clinician", "dr-a", "--class", "training"], stdin: Data([UInt8(n)])).out
                    .trimmingCharacters(in: .whitespacesAndNewlines))
            }
            try await Self.runAndKill(cli, ["consent", "withdraw", "--session", "T1", "--scope", "training"], after: Double.random(in: 0...0.15, using: &random))
            let show = try await cli.expectOK(["consent", "show", "--session", "T1", "--json"]).stdout
            let withdrawn = (try JSONSerialization.jsonObject(with: show) as? [[String: Any]] ?? []).contains {
                $0["scope"] as? String == "training" && $0["withdrawnOn"] != nil
            }
            var readable: [Bool] = []
            for id in ids { readable.append(try await cli.run(["get", id, "--as", "trainer"]).status == 0) }
            #expect(readable.allSatisfy { $0 == !withdrawn }, "withdrawn=\(withdrawn) but trainer access \(readable)")
            if !withdrawn { try await cli.expectOK(["consent", "withdraw", "--session", "T1", "--scope", "training"]) }
            for id in ids {
                #expect(try await cli.run(["get", id, "--as", "trainer"]).status != 0)
                #expect(try await cli.run(["get", id, "--as", "clinician"]).status == 0)
            }
            try await Self.fsckHeals(cli)
        }
    }

    @Test func killedRotationsFinishWhenRunAgain() async throws {
        var random = Generator(state: Self.seed &+ 2)
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        var recordings: [String: Data] = [:]
        for n in 0..<20 {
            let data = Data(pseudoRandomBytes(100, seed: UInt64(n)))
            recordings[try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: data).out
                .trimmingCharacters(in: .whitespacesAndNewlines)] = data
        }
        for _ in 0..<Self.trials {
            try await Self.runAndKill(cli, ["role", "rotate", "clinician"], after: Double.random(in: 0.05...0.5, using: &random))
            for (id, data) in recordings.prefix(5) {
                #expect(try await cli.expectOK(["get", id, "--as", "clinician"]).stdout == data)
            }
            try await cli.expectOK(["role", "rotate", "clinician"])
            for (id, data) in recordings { #expect(try await cli.expectOK(["get", id, "--as", "clinician"]).stdout == data) }
            try await Self.fsckHeals(cli)
            let keys = try FileManager.default.contentsOfDirectory(atPath: cli.vault.appendingPathComponent("keyring/roles/clinician").path)
            #expect(keys.filter { $0.hasSuffix(".json") }.count == 1)
        }
    }

    @Test func killedSweepsAreFinishedByTheNext() async throws {
        var random = Generator(state: Self.seed &+ 3)
        for _ in 0..<Self.trials {
            let cli = try await CLI.prepared()
            defer { cli.remove() }
            try await cli.expectOK(["consent", "record", "--session", "S2", "--patient", "1112223333", "--scope", "supervision"])
            var due: [String] = []
            for n in 0..<12 {
                due.append(try await cli.expectOK(["ingest", "-", "--session", "S2", "--clinician", "dr-b", "--class", "supervision", "--captured", "2020-01-01"],
                                            stdin: Data(pseudoRandomBytes(140_000, seed: UInt64(n)))).out.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let keep = try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data([9])).out
                .trimmingCharacters(in: .whitespacesAndNewlines)
            try await Self.runAndKill(cli, ["sweep"], after: Double.random(in: 0...0.3, using: &random))
            // Whatever is still listed as live must read back whole.
            for listing in try await Self.live(cli) where listing.id != keep {
                #expect(try await cli.run(["get", listing.id, "--as", "supervisor"]).status == 0)
            }
            try await cli.expectOK(["sweep"])
            #expect(try await Self.live(cli).map(\.id) == [keep])
            let records = try await cli.expectOK(["destroyed", "ls", "--json"]).stdout
            #expect((try JSONSerialization.jsonObject(with: records) as? [Any])?.count == due.count)
            #expect(try await cli.expectOK(["get", keep, "--as", "clinician"]).stdout == Data([9]))
            try await Self.fsckHeals(cli)
        }
    }

    @Test func killedExportsNeverLeaveABundleThatLooksComplete() async throws {
        var random = Generator(state: Self.seed &+ 4)
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        for n in 0..<3 {
            try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data(pseudoRandomBytes(2_000_000, seed: UInt64(n))))
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("export-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let passphrase = work.appendingPathComponent("bundle-pass")
        try Data("patient bundle passphrase\n".utf8).write(to: passphrase)
        func exportsAudited() async throws -> Int {
            try await cli.expectOK(["audit", "ls", "--json"]).out.components(separatedBy: "\"export.subject\"").count - 1
        }
        for trial in 0..<Self.trials {
            let out = work.appendingPathComponent("bundle-\(trial).age")
            let auditedBefore = try await exportsAudited()
            var killed = try await Self.runAndKill(cli, ["export", "subject", "--patient", "9434765919", "--out", out.path,
                                                   "--bundle-passphrase-file", passphrase.path], after: Double.random(in: 0.05...1.5, using: &random))
            // Killed after the bundle was renamed into place (its last step, after the export was
            // audited): the export finished; anything else at the final path is a half-written bundle.
            if killed, FileManager.default.fileExists(atPath: out.path), try await exportsAudited() == auditedBefore + 1 { killed = false }
            if killed {
                #expect(!FileManager.default.fileExists(atPath: out.path), "a killed export left \(out.lastPathComponent)")
            } else {
                // It finished before the kill came (a loaded machine): export again from scratch.
                #expect(FileManager.default.fileExists(atPath: out.path))
                try FileManager.default.removeItem(at: out)
            }
            try? FileManager.default.removeItem(atPath: out.path + ".partial")
            try await cli.expectOK(["export", "subject", "--patient", "9434765919", "--out", out.path, "--bundle-passphrase-file", passphrase.path])
            #expect(FileManager.default.fileExists(atPath: out.path))
            let verify = try await cli.run(["audit", "verify"])
            #expect(verify.status == 0, "\(verify.out)")
        }
    }
}
