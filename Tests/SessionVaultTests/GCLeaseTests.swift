import Foundation
import Testing
@testable import SessionVault
import VaultIndex

/// gc never removes an ingest whose writer is still running, however long it has run
/// (a two-hour live-streamed session), and removes one whose writer is provably gone.
@Suite("gc and live ingests")
struct GCLeaseTests {
    @Test func aLongRunningIngestWhoseWriterLivesSurvivesGCAndADeadOnesIsRemoved() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let twoHoursAgo = Date().addingTimeInterval(-2 * 3600)
        let live = RecordingID.random(), dead = RecordingID.random()
        try await t.vault.catalog.beginStaging(StagingRecord(id: live, session: "S1", clinician: "dr-a", retentionClass: "care", startedAt: twoHoursAgo,
                                                             processID: ProcessInfo.processInfo.processIdentifier, host: Vault.hostName))
        // No process has this pid (above any pid_max): its writer is gone.
        try await t.vault.catalog.beginStaging(StagingRecord(id: dead, session: "S1", clinician: "dr-a", retentionClass: "care", startedAt: Date(),
                                                             processID: Int32.max, host: Vault.hostName))
        let report = try await t.vault.collectGarbage(grace: 3600, actor: "test")
        #expect(report.abandonedIngests == [dead.description])
        let left = try await t.vault.catalog.stagingRecords().map(\.id)
        #expect(left == [live])
    }
}
