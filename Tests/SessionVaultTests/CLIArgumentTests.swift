import Foundation
import Testing

/// Ids, dates and sizes on the command line are typed arguments: a malformed one is a usage error
/// (exit 64) naming the flag and the form it takes, before any vault is opened; every form operators'
/// scripts use still parses.
@Suite("Command-line arguments", .serialized)
struct CLIArgumentTests {
    /// ArgumentParser's usage error for a value it could not read.
    static func expectRefused(_ result: CLI.Result, value: String, flag: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 64, "\(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains("The value '\(value)' is invalid for '\(flag)'"), "\(result.stderr)", sourceLocation: sourceLocation)
    }

    @Test func malformedIdsDatesAndSizesAreRefusedNamingTheFlagAndItsForm() async throws {
        // No vault exists: each refusal comes from parsing alone, and nothing is created.
        let cli = CLI()
        defer { cli.remove() }
        let id = UUID().uuidString.lowercased()
        let cases: [(arguments: [String], value: String, flag: String)] = [
            (["get", "not-an-id", "--as", "clinician"], "not-an-id", "<UUID>"),
            (["review", "1234", "--as", "clinician"], "1234", "<UUID>"),
            (["verify", id, "0123456789abcdef0123456789abcdeg"], "0123456789abcdef0123456789abcdeg", "<UUID>"),
            (["audit", "ls", "--recording", "nope"], "nope", "--recording <UUID>"),
            (["hold", "place", "--recording", "nope", "--reason", "r", "--ref", "c"], "nope", "--recording <UUID>"),
            (["ls", "--since", "2026-02-30"], "2026-02-30", "--since <YYYY-MM-DD>"),
            (["audit", "ls", "--since", "2026-1-5"], "2026-1-5", "--since <YYYY-MM-DD>"),
            (["destroyed", "ls", "--since", "yesterday"], "yesterday", "--since <YYYY-MM-DD>"),
            (["sweep", "--dry-run", "--now", "2026-13-40"], "2026-13-40", "--now <YYYY-MM-DD>"),
            (["disposition", "extend", id, "--until", "2099-01-01T00:00", "--reason", "r"], "2099-01-01T00:00", "--until <YYYY-MM-DD>"),
            (["request", "add", "--type", "sar", "--received", "01/02/2026"], "01/02/2026", "--received <YYYY-MM-DD>"),
            (["request", "close", "1", "--on", "2026-02-29"], "2026-02-29", "--on <YYYY-MM-DD>"),
            (["consent", "record", "--session", "S1", "--patient", "p", "--scope", "care", "--date", "20260105"], "20260105",
             "--date <YYYY-MM-DD>"),
            (["consent", "withdraw", "--session", "S1", "--scope", "care", "--date", "2026-01-05 "], "2026-01-05 ", "--date <YYYY-MM-DD>"),
            (["patient", "event", "p", "--died", "2026-04-31"], "2026-04-31", "--died <YYYY-MM-DD>"),
            (["export", "foi", "--from", "2026-01", "--to", "2026-01-31"], "2026-01", "--from <YYYY-MM-DD>"),
            (["ingest", "-", "--session", "S1", "--clinician", "c", "--class", "care", "--captured", "2026-01-10T25:00"], "2026-01-10T25:00",
             "--captured <YYYY-MM-DD[THH:MM]>"),
            (["ingest", "-", "--session", "S1", "--clinician", "c", "--class", "care", "--chunk-size", "4XB"], "4XB", "--chunk-size <SIZE>"),
            (["init", "--chunk-size", "lots"], "lots", "--chunk-size <SIZE>"),
            (["serve", "--max-upload", "0.5GiB"], "0.5GiB", "--max-upload <SIZE>"),
        ]
        for (arguments, value, flag) in cases {
            Self.expectRefused(try await cli.run(arguments, stdin: Data([1])), value: value, flag: flag)
        }
        #expect(!FileManager.default.fileExists(atPath: cli.vault.path), "no command got as far as creating or opening a vault")
    }

    @Test func everyAcceptedFormOfIdsDatesAndSizesStillParses() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let input = Data(pseudoRandomBytes(150_000))
        // Capture dates: a day, with hours and minutes, with seconds; sizes: binary units, their short
        // forms, a plain byte count, a space before the unit.
        let ingests: [(captured: String, chunkSize: String)] = [
            ("2025-06-10", "64KiB"), ("2025-06-10T09:30", "64K"), ("2025-06-10T09:30:15", "65536"), ("2025-06-11", "1MiB"), ("2025-06-11", "1M"),
            ("2025-06-12", "128 KiB"),
        ]
        var ids: [String] = []
        for (captured, chunkSize) in ingests {
            ids.append(try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care", "--captured", captured,
                                               "--chunk-size", chunkSize], stdin: input).out.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let id = ids[0]
        // A recording id dashed, in capitals, or as 32 hex digits names the same recording.
        for form in [id, id.uppercased(), id.replacingOccurrences(of: "-", with: "")] {
            #expect(try await cli.expectOK(["get", form, "--as", "clinician"]).stdout == input, "\(form)")
            let entries = try await cli.expectOK(["audit", "ls", "--recording", form, "--json"]).stdout
            #expect(try #require(try JSONSerialization.jsonObject(with: entries) as? [Any]).count >= 2, "ingest and get are audited: \(form)")
        }
        try await cli.expectOK(["verify", id, ids[1].uppercased()])
        // Dates, exactly YYYY-MM-DD.
        let listed = try await cli.expectOK(["ls", "--since", "2000-01-01", "--json"]).stdout
        #expect(try #require(try JSONSerialization.jsonObject(with: listed) as? [Any]).count == ingests.count)
        try await cli.expectOK(["audit", "ls", "--since", "2024-02-29", "--json"])
        try await cli.expectOK(["destroyed", "ls", "--since", "2024-12-31"])
        #expect(try await cli.expectOK(["sweep", "--dry-run", "--now", "2099-01-01", "--json"]).out.contains("\"today\" : \"2099-01-01\""))
        #expect(try await cli.expectOK(["request", "add", "--type", "sar", "--received", "2026-01-05"]).out.contains("received 2026-01-05"))
    }
}
