import TestSupport
import Foundation
import SessionVault
import Testing

/// The CLI's advice for errors whose remedy is a command: the vault's own sentence, then the advice,
/// chosen by the error's code. Each test pins the whole line an operator sees, with the vault's
/// sentence taken from the library, so a library rewording changes the sentence but never drops
/// the advice.
@Suite("CLI advice", .serialized, .timeLimit(.minutes(30)))
struct CLIAdviceTests {
    static func errorLine(_ result: CLI.Result) -> String {
        result.stderr.split(separator: "\n").map(String.init).first { $0.hasPrefix("sessionvault: error: ") } ?? result.stderr
    }

    @Test func anUnknownRoleInAVaultWithoutRolesSaysHowToAddOne() async throws {
        let cli = CLI()
        defer { cli.remove() }
        try await cli.expectOK(["init", "--chunk-size", "64KiB"])
        let result = try await cli.run(["role", "rotate", "clinician"])
        #expect(result.status == 5)
        #expect(Self.errorLine(result) == "sessionvault: error: \(VaultError.unknownRole("clinician", known: []).message)"
                + ": add one with `sessionvault role add NAME`")
    }

    @Test func aConsentThatNeedsAKeyHolderSaysToUnlockOne() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data([1, 2, 3]))
        try await cli.expectOK(["role", "add", "trainer"])
        let result = try await cli.run(["consent", "record", "--session", "S1", "--patient", "9434765919", "--scope", "training"])
        #expect(result.status == 1)
        let vault = VaultError.consentNeedsKeyHolder(session: "S1", roles: ["trainer"], recordings: 1, holder: nil, recording: nil)
        #expect(Self.errorLine(result) == "sessionvault: error: \(vault.message)"
                + ". Unlock such a role with --unlock-role (e.g. the records officer's) and try again")
    }

    @Test func aChangedScheduleSaysToRepair() async throws {
        let cli = CLI()
        defer { cli.remove() }
        try await cli.expectOK(["init", "--chunk-size", "64KiB"])
        let schedule = cli.vault.appendingPathComponent("retention/nhs-mental-health.toml")
        let handle = try FileHandle(forWritingTo: schedule)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\n# edited after the vault was made\n".utf8))
        try handle.close()
        let result = try await cli.run(["sweep"])
        #expect(result.status == 1)
        let line = Self.errorLine(result)
        #expect(line.hasPrefix("sessionvault: error: the retention schedule '\(schedule.path)' (sha256 "), "\(line)")
        #expect(line.hasSuffix("nothing is destroyed until a repair has brought every due date into line with it: run `sessionvault fsck --repair`"),
                "\(line)")
    }
}
