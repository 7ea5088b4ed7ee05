import TestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A sweep killed (SIGKILL) at each step of a destruction leaves a state the next sweep
/// finishes: never a recording that is listed and readable but half-destroyed, never a
/// destroyed recording without its destruction record.
@Suite("Sweep crash safety", .serialized, .timeLimit(.minutes(30)))
struct SweepCrashTests {
    static let crashPoints = ["sweep.after-shred", "sweep.mid-blobs", "sweep.after-blobs"]

    struct Listing: Decodable { var id: String }
    struct Destruction: Decodable { var recording: String; var chunkCount: Int }

    func ids(_ cli: CLI, _ args: [String]) async throws -> [String] {
        try JSONDecoder().decode([Listing].self, from: try await cli.expectOK(args + ["--json"]).stdout).map(\.id)
    }

    @Test(arguments: crashPoints)
    func aSweepKilledAtEachStepIsFinishedByTheNext(_ point: String) async throws {
        // Repeated, so each point is hit with recordings at different stages.
        for round in 0..<3 {
            let cli = try await CLI.prepared()
            defer { cli.remove() }
            try await cli.expectOK(["consent", "record", "--session", "S2", "--patient", "1112223333", "--scope", "supervision"])
            var due: [String] = []
            for n in 0..<(2 + round) {
                let input = Data(pseudoRandomBytes(150_000, seed: UInt64(n)))
                due.append(try await cli.expectOK(["ingest", "-", "--session", "S2", "--clinician", "dr-b", "--class", "supervision", "--captured", "2020-01-01"], stdin: input).out
                    .trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let keep = try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data([42])).out
                .trimmingCharacters(in: .whitespacesAndNewlines)

            let crashed = try await cli.runKilled(at: point, ["sweep"])
            #expect(crashed.reason == .uncaughtSignal && crashed.status == SIGKILL, "the sweep was meant to die at \(point): \(crashed.stderr)")

            // Whatever state it died in, nothing due is readable any more once shredding began,
            // and nothing half-destroyed is listed as live.
            let live = try await ids(cli, ["ls"])
            #expect(live == [keep], "after a crash at \(point), only the kept recording is live")
            for id in due {
                let read = try await cli.run(["get", id, "--as", "supervisor"])
                #expect(read.status != 0 && read.stdout.isEmpty)
            }

            let report = try await cli.expectOK(["sweep", "--json"]).stdout
            let json = try #require(try JSONSerialization.jsonObject(with: report) as? [String: Any])
            #expect((json["resumed"] as? Int ?? 0) + (json["destroyed"] as? Int ?? 0) == due.count)

            let records = try JSONDecoder().decode([Destruction].self, from: try await cli.expectOK(["destroyed", "ls", "--json"]).stdout)
            #expect(Set(records.map(\.recording)) == Set(due))
            #expect(records.allSatisfy { $0.chunkCount == 3 })
            let chunks = cli.vault.appendingPathComponent("blobs/chunks")
            let files = (FileManager.default.subpaths(atPath: chunks.path) ?? []).filter { $0.split(separator: "/").count == 3 }
            #expect(files.count == 1, "only the kept recording's chunk remains")
            #expect(try await cli.expectOK(["get", keep, "--as", "clinician"]).stdout == Data([42]))
            #expect(try await cli.expectOK(["verify"]).out.contains("no problems"))
        }
    }

    @Test func theSweeperDaemonStopsGracefullyOnSIGTERM() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let daemon = try cli.start(["sweeper", "--interval", "1h", "--without-checkpoints"])
        // Generous: a full parallel run on 2 cores can stall a process for seconds.
        #expect(try await daemon.waitForStderr(containing: "sweep finished", timeout: .seconds(60)), "\(daemon.stderrSoFar)")
        let stopAsked = ContinuousClock.now
        daemon.send(SIGTERM)
        let ended = try await daemon.finish()
        #expect(ContinuousClock.now - stopAsked < .seconds(30), "a liveness bound, not a timing target")
        #expect(ended.reason == .exit && ended.status == 0)
        #expect(ended.stderr.contains("sweeper stopped"))
    }
}
