import Foundation
import Retention
import Testing
@testable import SessionVault

@Suite("FOI reporting periods and disclosure control")
struct FOIDisclosureControlTests {
    @Test func periodsParseToWholeMonths() throws {
        let cases: [(String, String, String, ReportingPeriod.Kind)] = [
            ("2026-11", "2026-11-01", "2026-11-30", .month), ("2024-02", "2024-02-01", "2024-02-29", .month),
            ("2026-Q3", "2026-07-01", "2026-09-30", .quarter), ("2026-q1", "2026-01-01", "2026-03-31", .quarter),
            ("2026", "2026-01-01", "2026-12-31", .year), ("2026/27", "2026-04-01", "2027-03-31", .financialYear),
            ("2099/00", "2099-04-01", "2100-03-31", .financialYear),
        ]
        for (text, first, last, kind) in cases {
            let period = try #require(ReportingPeriod(text), "\(text)")
            #expect(period.first.description == first && period.last.description == last && period.kind == kind, "\(text)")
            #expect(ReportingPeriod(period.description) == period)
        }
        for bad in ["", "26", "2026-13", "2026-00", "2026-Q5", "2026-Q0", "2026/28", "2026/2027", "2026-1", "2026-11-01", "x2026", "2026-W3", "２０２６"] {
            #expect(ReportingPeriod(bad) == nil, "\(bad)")
        }
        #expect(try #require(ReportingPeriod("2026-Q2")).months.map(\.description) == ["2026-04", "2026-05", "2026-06"])
        #expect(try #require(ReportingPeriod("2026/27")).months.count == 12)
    }

    @Test func dayRangesAreAcceptedOnlyOnPeriodBoundaries() async throws {
        #expect(try ReportingPeriod.resolve(period: nil, from: "2026-07-01", to: "2026-09-30").description == "2026-Q3")
        #expect(try ReportingPeriod.resolve(period: nil, from: "2026-04-01", to: "2027-03-31").description == "2026/27")
        #expect(try ReportingPeriod.resolve(period: nil, from: "2026-02-01", to: "2026-02-28").description == "2026-02")
        for (from, to) in [("2026-03-01", "2026-03-14"), ("2026-03-02", "2026-03-31"), ("2026-01-01", "2026-02-28"), ("2026-03-15", "2026-03-15"),
                           ("2026-13-01", "2026-13-31")] {
            await expectVaultError(.invalidReportingPeriod, "\(from)..\(to)") { try ReportingPeriod.resolve(period: nil, from: from, to: to) }
        }
        for (period, from, to) in [(nil, nil, nil), ("2026", "2026-01-01", nil), (nil, "2026-01-01", nil), ("2026-Q5", nil, nil)] as [(String?, String?, String?)] {
            do { _ = try ReportingPeriod.resolve(period: period, from: from, to: to); Issue.record("accepted \(String(describing: period))") }
            catch { #expect(error.code == .invalidReportingPeriod, "\(error)") }
        }
    }

    @Test func aPeriodThatHasNotEndedIsRefused() async throws {
        let clock = TestClock("2026-09-30")
        let t = try await TestVault.make(clock: clock.function)
        defer { t.remove() }
        for text in ["2026-09", "2026-Q3", "2026", "2026/27", "2026-10"] {
            do {
                _ = try await t.vault.foiReport(period: ReportingPeriod(text)!, by: .unproven("test"))
                Issue.record("\(text) accepted before it ended")
            } catch {
                #expect(error.code == .reportingPeriodNotEnded && error.subject == text && error.names.last == "2026-09-30", "\(error)")
            }
        }
        clock.set("2026-10-01")
        let report = try await t.vault.foiReport(period: ReportingPeriod("2026-Q3")!, by: .unproven("test"))
        #expect(report.from == "2026-07-01" && report.to == "2026-09-30" && report.method == "suppress" && report.suppressBelow == 8)
        let entries = try await t.vault.catalog.auditEntries(after: 0, limit: 1000)
        let audit = entries.last(where: { $0.draft.action == "export.foi" })?.draft
        #expect(audit?.detail?.contains("period 2026-Q3 (2026-07-01 to 2026-09-30)") == true)
        #expect(audit?.detail?.contains("suppress: counts 1-7 shown as [c], with secondary suppression") == true)
    }

    @Test func monthTablesWithholdSmallCountsAndEnoughOthers() {
        let control = DisclosureControl.standard
        func table(_ counts: [Int]) -> ([String], String) {
            let t = FOIMonthTable(counts: counts.enumerated().map { ("c\($0.offset)", $0.element) }, control: control)
            return (t.cells.map(\.text), t.publishedTotal.text)
        }
        #expect(table([20, 9, 0]) == (["20", "9", "0"], "29"))
        // One small cell: the next smallest non-zero cell goes with it, the total stays.
        #expect(table([20, 1, 0, 30]) == (["[c]", "[c]", "0", "30"], "51"))
        // Two small cells that add up to 2 would both be 1: a third cell goes.
        #expect(table([1, 1, 30, 40]) == (["[c]", "[c]", "[c]", "40"], "72"))
        #expect(table([3, 2, 30]) == (["[c]", "[c]", "30"], "35"))
        // Three 7s beside an 8: withheld alone they add up to 21, which only 7 + 7 + 7 can make (a primary
        // count is at most 7), so the 8 goes too.
        #expect(table([7, 7, 7, 8]) == (["[c]", "[c]", "[c]", "[c]"], "29"))
        // 8 + 1 = 9: withholding the 8 too would leave 9 − (at least 8) = 1, so the total goes instead.
        #expect(table([8, 1]) == (["[c]", "[c]"], "[c]"))
        // A small total: everything under it is small too.
        #expect(table([3, 2]) == (["[c]", "[c]"], "[c]"))
        #expect(table([0, 0]) == (["0", "0"], "0"))
        let round5 = DisclosureControl(method: .round5, suppressBelow: 8)
        let rounded = FOIMonthTable(counts: [("a", 1), ("b", 12), ("c", 13), ("d", 8), ("e", 0)], control: round5)
        #expect(rounded.cells.map(\.text) == ["[c]", "10", "15", "10", "0"] && rounded.publishedTotal.text == "35")
        #expect([7, 8, 10, 12, 13, 17, 18].map(FOIMonthTable.roundedToFive) == [5, 10, 10, 10, 15, 15, 20])
    }

    /// Issue #16: `[server] upload_roles` names the roles that may upload (clinicians by default).
    @Test func configReadsTheUploadRoles() throws {
        let base = VaultConfig.makeDefault(vaultID: "v")
        #expect(base.uploadRoles == ["clinician"])
        #expect(try VaultConfig.parse(base.tomlText(), path: "c").uploadRoles == ["clinician"])
        let old = base.tomlText().components(separatedBy: "\n[server]")[0]
        #expect(try VaultConfig.parse(old, path: "c").uploadRoles == ["clinician"])
        let custom = old + "\n[server]\nupload_roles = [\"clinician\", \"assessor\"]\n"
        #expect(try VaultConfig.parse(custom, path: "c").uploadRoles == ["clinician", "assessor"])
        #expect(throws: VaultError.self) { try VaultConfig.parse(old + "\n[server]\nupload_role = [\"x\"]\n", path: "c") }
        #expect(throws: VaultError.self) { try VaultConfig.parse(old + "\n[server]\nupload_roles = \"clinician\"\n", path: "c") }
    }

    @Test func configReadsTheFOITableAndRefusesBadValues() throws {
        let base = VaultConfig.makeDefault(vaultID: "v")
        #expect(base.foi == .standard)
        #expect(try VaultConfig.parse(base.tomlText(), path: "c").foi == .standard)
        // A file written before the table existed gets the default.
        let old = base.tomlText().components(separatedBy: "\n[foi]")[0]
        #expect(try VaultConfig.parse(old, path: "c").foi == .standard)
        let custom = old + "\n[foi]\ndisclosure_control = \"round5\"\nsuppress_below = 10\n"
        #expect(try VaultConfig.parse(custom, path: "c").foi == DisclosureControl(method: .round5, suppressBelow: 10))
        for (bad, words) in [("disclosure_control = \"hide\"", "suppress or round5"), ("suppress_below = 1", "from 2 to 100"),
                             ("suppress_below = \"8\"", "whole number"), ("threshold = 8", "unknown key 'threshold'"),
                             ("disclosure_control = \"round5\"\nsuppress_below = 2", "must be at least 3")] {
            let refusal = Self.refusal(old + "\n[foi]\n" + bad + "\n")
            #expect(refusal?.message.contains(words) == true, "\(bad): \(String(describing: refusal))")
            #expect(refusal?.line != nil)
        }
    }

    /// The line and message of the config error a text gets, or nil when it parses.
    static func refusal(_ text: String) -> (line: Int?, message: String)? {
        do {
            _ = try VaultConfig.parse(text, path: "c")
            return nil
        } catch {
            guard error.code == .config else { return (nil, "\(error)") }
            return (error.number.map { Int($0) }, error.reason ?? "")
        }
    }
}
