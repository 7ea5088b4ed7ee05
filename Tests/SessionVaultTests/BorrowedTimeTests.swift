import Foundation
import Testing
import Retention
@testable import SessionVault
@testable import VaultIndex

/// Time cannot be borrowed: an insider with a shell once ran `sweep --now 2046-12-05` and destroyed
/// a clinical record twenty years early, "authorised by sweeper (schedule)". A sweep that changes
/// anything now acts only as of today; a later day is for a dry run only.
@Suite("Time cannot be borrowed", .serialized, .timeLimit(.minutes(30)))
struct BorrowedTimeTests {
    struct Listing: Decodable { var id: String }
    struct Destruction: Decodable { var recording: String; var asOf: String?; var dueOn: String? }

    static var today: String { CivilDate(Date()).description }

    func live(_ cli: CLI) async throws -> [String] {
        try JSONDecoder().decode([Listing].self, from: try await cli.expectOK(["ls", "--json"]).stdout).map(\.id)
    }

    func count(_ cli: CLI, _ args: [String]) async throws -> Int? {
        (try JSONSerialization.jsonObject(with: try await cli.expectOK(args).stdout) as? [Any])?.count
    }

    @Test func aFutureNowWithoutDryRunIsRefusedAndDestroysNothing() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        try await cli.expectOK(["consent", "record", "--session", "S2", "--patient", "1112223333", "--scope", "supervision"])
        let care = try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data([1, 2, 3]))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        let supervision = try await cli.expectOK(["ingest", "-", "--session", "S2", "--clinician", "dr-b", "--class", "supervision"], stdin: Data([4, 5]))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        for day in ["2046-12-05", "2027-12-31"] {
            let attempt = try await cli.run(["sweep", "--now", day])
            #expect(attempt.status != 0, "sweep --now \(day) without --dry-run must be refused")
            #expect(attempt.stderr.contains("--dry-run"), "the error says what --now is for: \(attempt.stderr)")
        }
        #expect(Set(try await live(cli)) == [care, supervision])
        #expect(try await count(cli, ["destroyed", "ls", "--json"]) == 0)
        #expect(try await count(cli, ["disposition", "ls", "--json"]) == 0, "nothing queued for review either")

        // A dry run may look ahead, and changes nothing.
        let dry = try await cli.expectOK(["sweep", "--dry-run", "--now", "2099-01-01", "--json"]).out
        #expect(dry.contains("\"today\" : \"2099-01-01\""), "\(dry)")
        #expect(Set(try await live(cli)) == [care, supervision])
        #expect(try await cli.run(["sweep", "--now", "2026-13-40", "--dry-run"]).stderr.contains("is invalid for '--now <YYYY-MM-DD>'"))
    }

    @Test func theLibraryRefusesABorrowedDayToo() async throws {
        let t = try await TestVault.make(scopes: ["care", "supervision"])
        defer { t.remove() }
        let id = try await t.ingest(pseudoRandomBytes(1000), retentionClass: "supervision").id
        do {
            _ = try await t.vault.sweep(asOf: Date().addingTimeInterval(400 * 86_400), actor: "test")
            Issue.record("a sweep as of a later day ran")
        } catch {
            #expect(error.code == .timeNotBorrowable && error.names == [Self.today], "\(error)")
        }
        #expect(try await t.vault.catalog.recording(id)?.state == .live)
        #expect(try await t.vault.sweep(dryRun: true, asOf: Date().addingTimeInterval(400 * 86_400), actor: "test").due.map(\.count) == [1])
    }

    @Test func aRecordingCapturedEarlierIsDueByItsCaptureDateAndItsDestructionSaysAsOfWhen() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        try await cli.expectOK(["consent", "record", "--session", "S2", "--patient", "1112223333", "--scope", "supervision"])
        let old = try await cli.expectOK(["ingest", "-", "--session", "S2", "--clinician", "dr-b", "--class", "supervision",
                                          "--captured", "2026-01-10T14:30", "--json"], stdin: Data([7]))
        let summary = try #require(try JSONSerialization.jsonObject(with: old.stdout) as? [String: Any])
        #expect(summary["capturedOn"] as? String == "2026-01-10")
        #expect(summary["dueOn"] as? String == "2026-04-10", "90 days from the day it was recorded, not uploaded")
        #expect(!old.stderr.contains("warning"), "no warning when the capture date is given")
        let fresh = try await cli.expectOK(["ingest", "-", "--session", "S2", "--clinician", "dr-b", "--class", "supervision"], stdin: Data([8]))
        #expect(fresh.stderr.contains("warning: no --captured date"), "\(fresh.stderr)")

        try await cli.expectOK(["sweep"])
        let records = try JSONDecoder().decode([Destruction].self, from: try await cli.expectOK(["destroyed", "ls", "--json"]).stdout)
        #expect(records.map(\.recording) == [String(data: old.stdout, encoding: .utf8).flatMap { text in
            (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["id"] as? String } ?? ""])
        #expect(records.first?.asOf == Self.today)
        #expect(records.first?.dueOn == "2026-04-10")
        #expect(try await live(cli) == [fresh.out.trimmingCharacters(in: .whitespacesAndNewlines)])
        let audit = try await cli.expectOK(["audit", "ls", "--json"]).out
        #expect(audit.contains("as of \(Self.today)"), "the destroy entry says the day it was decided as of")
    }

    @Test func aCaptureDateAfterTodayOrMalformedIsRefusedAndNothingIsStored() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let tomorrow = CivilDate(Date().addingTimeInterval(2 * 86_400)).description
        let future = try await cli.run(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care", "--captured", tomorrow],
                                       stdin: Data([1]))
        #expect(future.status != 0)
        #expect(future.stderr.contains("invalid capture date '\(tomorrow)'") && future.stderr.contains("after today"), "\(future.stderr)")
        for bad in ["2026-02-30", "yesterday", "2026-01-10T25:00", "2026-01-10 10:00"] {
            let refused = try await cli.run(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care", "--captured", bad], stdin: Data([1]))
            #expect(refused.status != 0 && refused.stderr.contains("is invalid for '--captured <YYYY-MM-DD[THH:MM]>'"), "\(bad): \(refused.stderr)")
        }
        #expect(try await live(cli).isEmpty)
        let chunks = cli.vault.appendingPathComponent("blobs/chunks")
        #expect((FileManager.default.subpaths(atPath: chunks.path) ?? []).filter { $0.split(separator: "/").count == 3 }.isEmpty)
    }

    @Test func captureDateForms() {
        #expect(CaptureDate.parse("2026-01-10")?.description == "2026-01-10")
        #expect(CaptureDate.parse("2026-01-10T09:05")?.description == "2026-01-10")
        #expect(CaptureDate.parse("2026-01-10T23:59:59")?.description == "2026-01-10")
        for bad in ["2026-01-10T24:00", "2026-01-10T9:05", "2026-01-10T", "2026-02-29", "2026-01-10T09:05:60", "2026-01-10T09:05Z"] {
            #expect(CaptureDate.parse(bad) == nil, "\(bad)")
        }
    }
}
