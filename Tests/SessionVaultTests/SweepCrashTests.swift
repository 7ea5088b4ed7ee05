import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A sweep killed (SIGKILL) at each step of a destruction leaves a state the next sweep
/// finishes: never a recording that is listed and readable but half-destroyed, never a
/// destroyed recording without its destruction record.
@Suite("Sweep crash safety", .serialized)
struct SweepCrashTests {
    static let crashPoints = ["sweep.after-shred", "sweep.mid-blobs", "sweep.after-blobs"]

    struct Listing: Decodable { var id: String }
    struct Destruction: Decodable { var recording: String; var chunkCount: Int }

    func ids(_ cli: CLI, _ args: [String]) throws -> [String] {
        try JSONDecoder().decode([Listing].self, from: try cli.expectOK(args + ["--json"]).stdout).map(\.id)
    }

    @Test(arguments: crashPoints)
    func aSweepKilledAtEachStepIsFinishedByTheNext(_ point: String) throws {
        // Repeated, so each point is hit with recordings at different stages.
        for round in 0..<3 {
            let cli = try CLI.prepared()
            defer { cli.remove() }
            try cli.expectOK(["consent", "record", "--session", "S2", "--patient", "1112223333", "--scope", "supervision"])
            var due: [String] = []
            for n in 0..<(2 + round) {
                let input = Data(pseudoRandomBytes(150_000, seed: UInt64(n)))
                due.append(try cli.expectOK(["ingest", "-", "--session", "S2", "--clinician", "dr-b", "--class", "supervision"], stdin: input).out
                    .trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let keep = try cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data([42])).out
                .trimmingCharacters(in: .whitespacesAndNewlines)

            let crashed = try cli.run(["sweep", "--now", "2099-01-01"], environment: ["SESSIONVAULT_CRASH_AT": point])
            #expect(crashed.status != 0, "the sweep was meant to die at \(point)")

            // Whatever state it died in, nothing due is readable any more once shredding began,
            // and nothing half-destroyed is listed as live.
            let live = try ids(cli, ["ls"])
            #expect(live == [keep], "after a crash at \(point), only the kept recording is live")
            for id in due {
                let read = try cli.run(["get", id, "--as", "supervisor"])
                #expect(read.status != 0 && read.stdout.isEmpty)
            }

            let report = try cli.expectOK(["sweep", "--now", "2099-01-01", "--json"]).stdout
            let json = try #require(try JSONSerialization.jsonObject(with: report) as? [String: Any])
            #expect((json["resumed"] as? Int ?? 0) + (json["destroyed"] as? Int ?? 0) == due.count)

            let records = try JSONDecoder().decode([Destruction].self, from: try cli.expectOK(["destroyed", "ls", "--json"]).stdout)
            #expect(Set(records.map(\.recording)) == Set(due))
            #expect(records.allSatisfy { $0.chunkCount == 3 })
            let chunks = cli.vault.appendingPathComponent("blobs/chunks")
            let files = (FileManager.default.subpaths(atPath: chunks.path) ?? []).filter { $0.split(separator: "/").count == 3 }
            #expect(files.count == 1, "only the kept recording's chunk remains")
            #expect(try cli.expectOK(["get", keep, "--as", "clinician"]).stdout == Data([42]))
            #expect(try cli.expectOK(["verify"]).out.contains("no problems"))
        }
    }

    @Test func theSweeperDaemonStopsGracefullyOnSIGTERM() throws {
        let cli = try CLI.prepared()
        defer { cli.remove() }
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["sweeper", "--interval", "1h"]
        process.environment = cli.environment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        var log = Data()
        while Date() < deadline, !String(decoding: log, as: UTF8.self).contains("sweep finished") {
            log.append(err.fileHandleForReading.availableData)
        }
        #expect(String(decoding: log, as: UTF8.self).contains("sweep finished"))
        let stopAsked = Date()
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(Date().timeIntervalSince(stopAsked) < 10)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        log.append(err.fileHandleForReading.readDataToEndOfFile())
        #expect(String(decoding: log, as: UTF8.self).contains("sweeper stopped"))
    }
}
