import TestSupport
import Foundation
import Testing
@testable import VaultIndex

#if canImport(Glibc)
import Glibc
#endif

@Suite("Command line", .serialized, .timeLimit(.minutes(30)))
struct CLITests {
    @Test func ingestThenGetRoundTripsThroughFilesAndPipes() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let input = Data(pseudoRandomBytes(200_000))
        let id = try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: input).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await cli.expectOK(["get", id, "--as", "clinician"]).stdout == input)
        #expect(try await cli.expectOK(["get", id, "--as", "clinician", "--range", "65530-65545"]).stdout == input[65530...65545])
        let out = cli.vault.appendingPathComponent("../out-\(UUID().uuidString).bin").standardizedFileURL
        defer { try? FileManager.default.removeItem(at: out) }
        try await cli.expectOK(["get", id, "--as", "records-officer", "-o", out.path])
        #expect(try Data(contentsOf: out) == input)
        let json = try await cli.expectOK(["ls", "--json"]).stdout
        let rows = try #require(try JSONSerialization.jsonObject(with: json) as? [[String: Any]])
        #expect(rows.count == 1 && rows[0]["id"] as? String == id)
        #expect(try await cli.expectOK(["verify"]).out.contains("no problems"))
    }

    @Test func theSupervisorIsRefusedWithNothingWritten() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let id = try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data([1, 2, 3])).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try await cli.run(["get", id, "--as", "supervisor"])
        #expect(result.status == 3)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("role 'supervisor' holds no key for recording \(id) (consented scopes: care)"))
    }

    @Test func clearErrorsForCommonMistakes() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let noConsent = try await cli.run(["ingest", "-", "--session", "S9", "--clinician", "dr-a", "--class", "care"], stdin: Data([1]))
        #expect(noConsent.status == 3)
        #expect(noConsent.stderr.contains("no recorded consent"))
        let badClass = try await cli.run(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "nonsense"], stdin: Data([1]))
        #expect(badClass.status != 0 && badClass.stderr.contains("nonsense"))
        let missing = try await cli.run(["ingest", "/nonexistent.webm", "--session", "S1", "--clinician", "dr-a", "--class", "care"])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent.webm"))
        let wrong = try await cli.run(["role", "rotate", "clinician"], environment: ["SESSIONVAULT_PASSPHRASE": "wrong"])
        #expect(wrong.status == 3 && wrong.stderr.contains("wrong passphrase"))
        let noVault = try await cli.run(["ls"], environment: ["SESSIONVAULT_DIR": "/nonexistent-vault"])
        #expect(noVault.status == 5 && noVault.stderr.contains("no vault at"))
        let again = try await cli.run(["init"])
        #expect(again.status != 0 && again.stderr.contains("already exists"))
        #expect(try await cli.expectOK(["ls"]).out.contains("No recordings"))
    }

    /// SIGKILL in the middle of an ingest: nothing becomes visible, and gc removes what was written.
    @Test func aKilledIngestLeavesNothingVisibleAndGCCleansUp() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let input = Pipe()
        let child = try ChildProcess.Running(CLI.binary, ["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"],
                                             environment: cli.environment, stdinPipe: input)
        let writer = input.fileHandleForWriting
        defer { try? writer.close() }
        // Feed a few chunks so blobs are on disk, then kill it while it waits for more.
        let block = Data(pseudoRandomBytes(64 << 10))
        try await onOwnThread { for _ in 0..<8 { try writer.write(contentsOf: block) } }
        let blobs = cli.vault.appendingPathComponent("blobs/chunks")
        let deadline = ContinuousClock.now + .seconds(60)  // generous: a full parallel run on 2 cores can stall a process for seconds
        while ContinuousClock.now < deadline, (FileManager.default.subpaths(atPath: blobs.path) ?? []).filter({ $0.split(separator: "/").count == 3 }).count < 4 {
            try await Task.sleep(for: .milliseconds(20))
        }
        child.send(SIGKILL)
        #expect(try await child.finish().reason == .uncaughtSignal)
        let written = (FileManager.default.subpaths(atPath: blobs.path) ?? []).filter { $0.split(separator: "/").count == 3 }
        #expect(written.count >= 4)
        #expect(try await cli.expectOK(["ls"]).out.contains("No recordings"))
        let gc = try await cli.expectOK(["gc", "--json"]).stdout
        let report = try #require(try JSONSerialization.jsonObject(with: gc) as? [String: Any])
        #expect((report["abandonedIngests"] as? [String])?.count == 1)
        let left = (FileManager.default.subpaths(atPath: blobs.path) ?? []).filter { $0.split(separator: "/").count == 3 }
        #expect(left.isEmpty)
        // The vault still works afterwards.
        let id = try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data([7])).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await cli.expectOK(["get", id, "--as", "clinician"]).stdout == Data([7]))
    }

    @Test func verifyAsARoleReportsARowMovedOntoAnotherPatient() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        try await cli.expectOK(["consent", "record", "--session", "S2", "--patient", "4010232137", "--scope", "care"])
        let id = try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data([7])).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let db = try SQLiteConnection(path: cli.vault.appendingPathComponent("catalog.sqlite").path)
        try db.run("UPDATE recordings SET patient = (SELECT patient FROM consents WHERE session = 'S2')", [])
        #expect(try await cli.run(["get", id, "--as", "clinician"]).status == 4)
        let deep = try await cli.run(["verify", "--as", "records-officer"])
        #expect(deep.status == 4)
        #expect(deep.out.contains("\(id): catalog row edited: patient differs"), "\(deep.out)")
        #expect(deep.out.contains("manifests checked as records-officer: 1"))
    }
}
