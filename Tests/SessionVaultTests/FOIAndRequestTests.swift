import Foundation
import Testing
@testable import SessionVault
import VaultCrypto
import VaultIndex

@Suite("FOI figures and the request register")
struct FOIAndRequestTests {
    @Test func foiFiguresSuppressSmallCountsAndHoldNoIdentifiers() async throws {
        let clock = TestClock("2026-03-10")
        let t = try await TestVault.make(roles: ["clinician", "records-officer", "supervisor", "trainer"], scopes: ["care", "supervision"], clock: clock.function)
        defer { t.remove() }
        var ids: [RecordingID] = []
        for n in 0..<6 { ids.append(try await t.ingest([UInt8(n)], retentionClass: "care").id) }
        for n in 0..<2 { ids.append(try await t.ingest([UInt8(n)], retentionClass: "supervision").id) }
        _ = try await t.read(ids[0])
        _ = try? await t.read(ids[0], as: "trainer")
        _ = try await t.vault.addRequest(kind: .sar, received: "2026-03-02", by: .unproven("test"))
        for n in 0..<4 { ids.append(try await t.ingest([UInt8(n)], retentionClass: "care").id) }
        clock.set("2026-04-01")
        let report = try await t.vault.foiReport(period: ReportingPeriod("2026-03")!, by: .unproven("test"))
        func count(_ measure: String, _ category: String) -> String? {
            report.figures.first { $0.measure == measure && $0.category == category }?.count
        }
        // 10 care and 2 supervision recordings: the 2 is withheld and so is the 10, the only other cell
        // (12 − 10 ≥ 2, so the total can stay).
        #expect(count("recordings", "care") == "[c]")
        #expect(count("recordings", "supervision") == "[c]")
        #expect(count("recordings", "all") == "12")
        #expect(count("consents", "care") == "[c]")
        #expect(count("accesses", "clinician") == "[c]")
        #expect(count("refusals", "trainer") == "[c]")
        #expect(count("requests", "sar") == "[c]")
        #expect(report.figures.allSatisfy { $0.period == "2026-03" })
        let csv = report.csv()
        #expect(csv.hasPrefix("measure,category,period,count\n"))
        let pseudonym = try await t.vault.pseudonym(ofPatient: "9434765919", vaultPassphrase: t.passphrase)
        for secret in ["9434765919", pseudonym, pseudonym.prefix(12).description, "dr-a", "S1"] + ids.map(\.description) + ids.map(\.compactHex) {
            #expect(!csv.contains(secret), "FOI output contains \(secret)")
        }
    }

    @Test func requestDueDatesFollowTheStatutes() async throws {
        let clock = TestClock("2026-06-01")
        let t = try await TestVault.make(clock: clock.function)
        defer { t.remove() }
        // SAR: one calendar month, to the next working day when it falls on a weekend or bank holiday.
        #expect(try await t.vault.addRequest(kind: .sar, received: "2026-01-31", by: .unproven("test")).dueOn == "2026-03-02")
        #expect(try await t.vault.addRequest(kind: .sar, received: "2026-02-10", by: .unproven("test")).dueOn == "2026-03-10")
        // FOI: 20 working days, skipping Easter 2026 (Good Friday 3 April, Easter Monday 6 April).
        #expect(try await t.vault.addRequest(kind: .foi, received: "2026-03-27", by: .unproven("test")).dueOn == "2026-04-28")
        // Across Christmas 2025 (25 and 26 December, 1 January).
        #expect(try await t.vault.addRequest(kind: .foi, received: "2025-12-15", by: .unproven("test")).dueOn == "2026-01-15")
        let overdue = try await t.vault.overdueRequests()
        #expect(overdue.count == 4)
        await expectVaultError(.invalidArgument) { try await t.vault.addRequest(kind: .foi, received: "2027-01-01", by: .unproven("test")) }
    }
}
