import Foundation
import TestSupport
import Testing
@testable import SessionVault

#if canImport(Glibc)
import Glibc
#endif

/// `fsck --upgrade` from the CLI, and killed (SIGKILL) at each step: the recording reads as it
/// was or as rewritten, never half; a second run finishes, and gc removes what the crash left.
@Suite("Format upgrade crash safety", .serialized, .timeLimit(.minutes(30)))
struct FormatUpgradeCrashTests {
    static let crashPoints = ["upgrade.mid-chunks", "upgrade.before-switch", "upgrade.after-switch", "upgrade.mid-old-blobs"]

    /// A CLI vault with one format-1 recording (as an earlier version wrote it) of `input`.
    func preparedWithFormatOne(_ input: [UInt8]) async throws -> (CLI, String) {
        let cli = try await CLI.prepared()
        let vault = try await Vault.open(at: VaultLayout(root: cli.vault))
        var reader = BufferChunkReader(bytes: input)
        var request = IngestRequest(session: "S1", clinician: "dr-a", retentionClass: "care", chunkSize: 1 << 20, actor: "test")
        request.chunkFormat = .whole
        let id = try await vault.ingest(request, from: &reader).id
        await vault.close()
        return (cli, id.description)
    }

    func chunkFiles(_ cli: CLI) -> [String] {
        let chunks = cli.vault.appendingPathComponent("blobs/chunks")
        return (FileManager.default.subpaths(atPath: chunks.path) ?? []).filter { $0.split(separator: "/").count == 3 }.sorted()
    }

    @Test func fsckUpgradeDryRunListsAndTheRealRunRewrites() async throws {
        let input = pseudoRandomBytes(2 * (1 << 20) + 5000)
        let (cli, id) = try await preparedWithFormatOne(input)
        defer { cli.remove() }
        let dry = try await cli.expectOK(["fsck", "--upgrade", "--dry-run"]).out
        #expect(dry.contains("would rewrite \(id)"))
        #expect(chunkFiles(cli).allSatisfy { !$0.hasSuffix(".g1") })
        let missingRole = try await cli.run(["fsck", "--upgrade"])
        #expect(missingRole.status != 0 && missingRole.stderr.contains("--as"))

        let run = try await cli.expectOK(["fsck", "--upgrade", "--as", "records-officer"]).out
        #expect(run.contains("1 rewritten"), "\(run)")
        let files = chunkFiles(cli)
        #expect(files.count == 3 && files.allSatisfy { $0.hasSuffix(".g1") })
        #expect(try await cli.expectOK(["get", id, "--as", "clinician"]).stdout == Data(input))
        let from = (1 << 20) - 100
        #expect(try await cli.expectOK(["get", id, "--as", "clinician", "--range", "\(from)-\(from + 199)"]).stdout == Data(input[from..<(from + 200)]))
        #expect(try await cli.expectOK(["verify"]).out.contains("no problems"))
        #expect(try await cli.expectOK(["fsck"]).out.contains("no problems"))
        #expect(try await cli.expectOK(["audit", "ls"]).out.contains("fsck.upgrade"))
    }

    @Test(arguments: crashPoints)
    func anUpgradeKilledAtEachStepLeavesTheOldOrTheNewRecording(_ point: String) async throws {
        let input = pseudoRandomBytes(2 * (1 << 20) + 5000, seed: 9)
        let (cli, id) = try await preparedWithFormatOne(input)
        defer { cli.remove() }
        let crashed = try await cli.runKilled(at: point, ["format-upgrade", "records-officer"])
        #expect(crashed.reason == .uncaughtSignal && crashed.status == SIGKILL, "the upgrade was meant to die at \(point): \(crashed.stderr)")

        // Old or new, whole: every byte reads back and fsck finds no error (leftovers are warnings).
        #expect(try await cli.expectOK(["get", id, "--as", "clinician"]).stdout == Data(input))
        #expect(try await cli.expectOK(["verify"]).out.contains("no problems"))
        let check = try await cli.run(["fsck"])
        #expect(check.status == 0, "\(check.out)")

        // A second run finishes the rewrite; gc removes whichever generation the catalog no longer names.
        try await cli.expectOK(["fsck", "--upgrade", "--as", "records-officer"])
        try await cli.expectOK(["gc", "--grace", "0"])
        let files = chunkFiles(cli)
        #expect(files.count == 3 && files.allSatisfy { $0.hasSuffix(".g1") }, "\(files)")
        #expect(try await cli.expectOK(["get", id, "--as", "clinician"]).stdout == Data(input))
        #expect(try await cli.expectOK(["fsck"]).out.contains("no problems"))
    }
}
