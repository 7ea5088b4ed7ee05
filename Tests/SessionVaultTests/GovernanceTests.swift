import Foundation
import Testing
import Retention
@testable import SessionVault
@testable import VaultIndex

/// Governance fidelity (issue #17): what a records officer would trip over.
@Suite("Governance fidelity", .timeLimit(.minutes(30)))
struct GovernanceTests {
    /// A patient event used to overwrite dates: a later event with an earlier date shortened
    /// retention, and a death in 2099 was accepted.
    @Test func patientEventsOnlyMoveDatesLaterUnlessCorrectedWithAReason() async throws {
        let clock = TestClock("2026-01-10")
        let t = try await TestVault.make(clock: clock.function)
        defer { t.remove() }
        let id = try await t.ingest([1]).id
        clock.set("2026-06-01")
        _ = try await t.vault.recordPatientEvent(patient: "9434765919", discharged: "2026-05-20", vaultPassphrase: t.passphrase, by: .unproven("test"))
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2046-05-20")

        let attempts: [(lastContact: CivilDate?, died: CivilDate?, expected: String)] = [
            ("2026-03-01", nil, "could shorten retention"), (nil, "2099-01-01", "after today"), ("2026-05-25", "2026-05-21", "after the death")]
        for (lastContact, died, expected) in attempts {
            let args = (lastContact: lastContact, died: died)
            do {
                _ = try await t.vault.recordPatientEvent(patient: "9434765919", discharged: args.lastContact, died: args.died, vaultPassphrase: t.passphrase, by: .unproven("test"))
                Issue.record("accepted \(args)")
            } catch {
                #expect(error.description.contains(expected), "\(error)")
            }
        }
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2046-05-20", "nothing refused changed anything")

        // A records officer's correction, with its reason, may move it earlier; it is audited as such.
        _ = try await t.vault.recordPatientEvent(patient: "9434765919", discharged: "2026-03-01", correction: "typo in the discharge letter",
                                                 vaultPassphrase: t.passphrase, by: .unproven("officer:rita"))
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2046-03-01")
        let entry = try await t.vault.catalog.auditEntries(after: 0, limit: 10_000).last { $0.draft.action == "patient.correction" }
        #expect(entry?.draft.detail?.contains("correction: typo in the discharge letter") == true && entry?.draft.actor == "officer:rita")
    }

    /// Children's records were not modelled: a young child's care recording fell due 20 years after
    /// discharge, before the 25th birthday the NHS Code requires.
    @Test func aChildsBirthMonthKeepsTheRecordingToTheTwentyFifthBirthday() async throws {
        let clock = TestClock("2024-01-10")
        let t = try await TestVault.make(clock: clock.function)
        defer { t.remove() }
        let id = try await t.ingest([1]).id
        clock.set("2024-06-02")
        _ = try await t.vault.recordPatientEvent(patient: "9434765919", discharged: "2024-06-01", vaultPassphrase: t.passphrase, by: .unproven("test"))
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2044-06-01")
        _ = try await t.vault.recordPatientEvent(patient: "9434765919", born: "2020-03-17", vaultPassphrase: t.passphrase, by: .unproven("test"))
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2045-03-31")
        let pseudonym = try await t.vault.pseudonym(ofPatient: "9434765919", vaultPassphrase: t.passphrase)
        #expect(try await t.vault.catalog.patient(pseudonym)?.bornMonth == "2020-03", "only the month is kept")

        clock.set("2025-02-01")
        for (born, expected) in [("2025-01", "after the recorded discharge"), ("2030-01", "after today"), ("2020-3", "expected YYYY-MM")] {
            do {
                _ = try await t.vault.recordPatientEvent(patient: "9434765919", born: born, vaultPassphrase: t.passphrase, by: .unproven("test"))
                Issue.record("--born \(born) accepted")
            } catch {
                #expect(error.description.contains(expected), "\(error)")
            }
        }
        do {
            _ = try await t.vault.recordPatientEvent(patient: "9434765919", born: "2019-03", vaultPassphrase: t.passphrase, by: .unproven("test"))
            Issue.record("a changed birth month was accepted without a correction")
        } catch {
            #expect(error.description.contains("--correction"), "\(error)")
        }
        #expect(try await t.vault.catalog.patient(pseudonym)?.bornMonth == "2020-03", "nothing refused changed anything")
        _ = try await t.vault.recordPatientEvent(patient: "9434765919", born: "2019-03", correction: "month mistyped", vaultPassphrase: t.passphrase, by: .unproven("test"))
        #expect(try await t.vault.catalog.recording(id)?.dueOn == "2044-06-01", "25th birthday 2044-03-31 is before the 20 years")
    }

    /// The capture date was always the upload day when none was given, though a WebM file states
    /// when it was made: a session recorded last month counted its retention from today.
    @Test func aWebMFilesOwnCreationTimeIsItsCaptureDateWhenNoneIsGiven() async throws {
        guard let ffmpeg = ReviewIntegrationTests.tool("ffmpeg") else {
            print("skipping: ffmpeg is not installed; `make test` installs it")
            return
        }
        let clock = TestClock("2026-12-01")
        let t = try await TestVault.make(scopes: ["supervision"], clock: clock.function)
        defer { t.remove() }
        func webm(madeAt: String) async throws -> [UInt8] {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("dated-\(UUID().uuidString).webm")
            defer { try? FileManager.default.removeItem(at: file) }
            _ = try await ReviewIntegrationTests.run(ffmpeg, ["-v", "error", "-f", "lavfi", "-i", "testsrc=duration=1:size=64x64:rate=5", "-c:v", "libvpx",
                                                              "-metadata", "creation_time=\(madeAt)", "-f", "webm", file.path])
            return Array(try Data(contentsOf: file))
        }
        func ingest(_ bytes: [UInt8], captured: CivilDate? = nil) async throws -> IngestSummary {
            var reader = BufferChunkReader(bytes: bytes)
            return try await t.vault.ingest(IngestRequest(session: "S1", clinician: "dr-a", retentionClass: "supervision", capturedOn: captured, actor: "test"),
                                            from: &reader)
        }
        let dated = try await webm(madeAt: "2026-11-02T09:30:00Z")
        let fromMedia = try await ingest(dated)
        #expect(fromMedia.capturedOn == "2026-11-02" && fromMedia.capturedFrom == .media)
        #expect(fromMedia.dueOn == "2027-01-31", "90 days from the day it was recorded, not from the upload")
        #expect(fromMedia.mediaFacts?.createdUnixSeconds == 1_793_611_800)
        let given = try await ingest(dated, captured: CivilDate("2026-11-03"))
        #expect(given.capturedOn == "2026-11-03" && given.capturedFrom == .given, "a given date wins")
        // A recorder whose clock is ahead is not believed; nor is a file that states nothing.
        let ahead = try await ingest(try await webm(madeAt: "2027-03-01T10:00:00Z"))
        #expect(ahead.capturedOn == "2026-12-01" && ahead.capturedFrom == .uploadDay)
        let plain = try await ingest([1, 2, 3])
        #expect(plain.capturedFrom == .uploadDay)
    }

    /// An original ingested as `review-copy` was destroyed without review at 90 days.
    @Test func aClassForCopiesRefusesAnOriginalAndTheDefaultScheduleSaysSo() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        var reader = BufferChunkReader(bytes: [1, 2, 3])
        do {
            _ = try await t.vault.ingest(IngestRequest(session: "S1", clinician: "dr-a", retentionClass: "review-copy", actor: "test"), from: &reader)
            Issue.record("an original was filed as a review copy")
        } catch {
            #expect(error.description.contains("is for copies derived from another recording"), "\(error)")
        }
        #expect(try await t.vault.catalog.recordings(RecordingFilter(states: Set(RecordingState.allCases))).isEmpty)
        #expect(try await t.vault.catalog.stagingRecords().isEmpty)
        let source = try await t.ingest([4, 5, 6]).id
        var copy = BufferChunkReader(bytes: [7])
        let made = try await t.vault.ingest(IngestRequest(session: "S1", clinician: "dr-a", retentionClass: "review-copy", source: source, actor: "test"), from: &copy)
        #expect(try await t.vault.catalog.recording(made.id)?.sourceID == source)
    }

    /// `request close` was always today: a request answered on Friday and closed on Monday looked late.
    @Test func aRequestIsClosedOnTheDayItWasAnsweredNeverLater() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        try await cli.expectOK(["request", "add", "--type", "sar", "--received", "2026-11-02"])
        let future = CivilDate(Date().addingTimeInterval(3 * 86_400)).description
        let refused = try await cli.run(["request", "close", "1", "--on", future])
        #expect(refused.status != 0 && refused.stderr.contains("after today"), "\(refused.stderr)")
        try await cli.expectOK(["request", "close", "1", "--on", "2026-11-27"])
        let listed = try await cli.expectOK(["request", "ls", "--all", "--json"]).out
        #expect(listed.contains("2026-11-27"), "\(listed)")
    }

    /// A recording waiting for a patient event waited silently: nothing listed it.
    @Test func recordingsWaitingForAPatientEventAreListedOldestFirst() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        try await cli.expectOK(["consent", "record", "--session", "S2", "--patient", "1112223333", "--scope", "supervision"])
        var ids: [String: String] = [:]
        for captured in ["2026-03-03", "2025-11-20", "2026-01-15"] {
            ids[captured] = try await cli.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care", "--captured", captured],
                                                   stdin: Data([1])).out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try await cli.expectOK(["ingest", "-", "--session", "S2", "--clinician", "dr-b", "--class", "supervision"], stdin: Data([2]))
        let report = try await cli.expectOK(["sweep", "--dry-run", "--waiting", "--json"]).stdout
        let json = try #require(try JSONSerialization.jsonObject(with: report) as? [String: Any])
        #expect(json["waitingTotal"] as? Int == 3, "the supervision recording has a due date; the care ones wait")
        let oldest = try #require(json["waitingOldest"] as? [[String: Any]])
        #expect(oldest.compactMap { $0["id"] as? String } == [ids["2025-11-20"], ids["2026-01-15"], ids["2026-03-03"]].compactMap { $0 })
        #expect((oldest.first?["rule"] as? String)?.contains("waiting for") == true)
        let text = try await cli.expectOK(["sweep", "--dry-run", "--waiting"]).out
        #expect(text.contains("3 recordings wait for a patient event"), "\(text)")
        #expect(try await cli.run(["sweep", "--waiting"]).stderr.contains("--waiting goes with --dry-run"))
    }
}
