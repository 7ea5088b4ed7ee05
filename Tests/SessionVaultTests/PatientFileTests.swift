import Foundation
import Testing

/// Issue #16: an NHS number given as `--patient 9434765919` is in `ps` (and /proc/PID/cmdline)
/// for every user of the host while the command runs, and in the shell's history afterwards.
/// Every command that takes a patient identifier also reads it from a file or stdin.
@Suite("Patient identifiers from a file", .timeLimit(.minutes(10)))
struct PatientFileTests {
    @Test func everyCommandTakingAPatientReadsItFromAFileOrStdin() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let file = cli.vault.deletingLastPathComponent().appendingPathComponent("patient-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data("  4010232137 \n\n".utf8).write(to: file)

        // consent record, from stdin
        try await cli.expectOK(["consent", "record", "--session", "S2", "--patient-file", "-", "--scope", "care"], stdin: Data("4010232137\n".utf8))
        let id = try await cli.expectOK(["ingest", "-", "--session", "S2", "--clinician", "dr-b", "--class", "care"], stdin: Data([1, 2, 3]))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        // ls, from a file: the patient of S2 only
        let listed = try await cli.expectOK(["ls", "--patient-file", file.path]).out
        #expect(listed.contains("S2") && !listed.contains("S1"), "\(listed)")
        // audit ls, from a file
        let audit = try await cli.expectOK(["audit", "ls", "--patient-file", file.path]).out
        #expect(audit.contains(String(id.prefix(8))), "\(audit)")
        // patient event, from stdin
        try await cli.expectOK(["patient", "event", "--patient-file", "-", "--last-contact", "2024-01-02"], stdin: Data("4010232137".utf8))
        // hold place, from a file
        let hold = try await cli.expectOK(["hold", "place", "--patient-file", file.path, "--reason", "litigation", "--ref", "C-1"])
        #expect(hold.out.contains("Placed hold"))
        // user add: a care list of several, one a line
        try Data("9434765919\n4010232137\n".utf8).write(to: file)
        let user = try await cli.expectOK(["user", "add", "carol", "--role", "clinician", "--patient-file", file.path])
        #expect(user.stderr.contains("2 patient(s)"), "\(user.stderr)")
        #expect(!user.stderr.contains("--patient shows"))
    }

    @Test func thePlainFlagStillWorksButWarnsAndBothTogetherAreRefused() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let plain = try await cli.expectOK(["ls", "--patient", "9434765919"])
        #expect(plain.stderr.contains("--patient-file"), "\(plain.stderr)")
        let both = try await cli.run(["ls", "--patient", "9434765919", "--patient-file", "-"], stdin: Data("9434765919".utf8))
        #expect(both.status == 64, "\(both.stderr)")
        #expect(both.stderr.contains("not both"), "\(both.stderr)")
        let two = try await cli.run(["ls", "--patient-file", "-"], stdin: Data("9434765919\n4010232137\n".utf8))
        #expect(two.status != 0 && two.stderr.contains("takes one"), "\(two.stderr)")
        let none = try await cli.run(["consent", "record", "--session", "S3", "--patient-file", "-", "--scope", "care"], stdin: Data())
        #expect(none.status != 0 && none.stderr.contains("no patient identifier"), "\(none.stderr)")
    }
}
