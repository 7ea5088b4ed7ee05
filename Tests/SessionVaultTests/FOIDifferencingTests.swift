import Foundation
import Retention
import Testing
@_spi(Testing) @testable import SessionVault
import VaultIndex

/// The differencing attack on FOI figures: one patient's research consent is the only difference
/// between overlapping windows; every export the tool allows is run and every published figure
/// subtracted from every other.
@Suite("FOI differencing attacks")
struct FOIDifferencingTests {
    /// A vault in May 2027 whose consents and requests fall in 2026.
    static func populatedVault() async throws -> (TestVault, TestClock) {
        let clock = TestClock("2027-05-15")
        let t = try await TestVault.make(roles: ["clinician", "records-officer", "supervisor", "researcher"], scopes: [], clock: clock.function)
        var n = 0
        func consent(_ scopes: [String], on day: String) async throws {
            n += 1
            clock.set(day)  // recorded the day it was given (FOI counts by the day recorded)
            try await t.vault.recordConsent(ConsentRequest(session: "S\(n)", patientIdentifier: "P\(n)", scopes: scopes, givenOn: CivilDate(day)!),
                                            vaultPassphrase: t.passphrase, by: .unproven("test"))
        }
        // March 2026: ten patients consent to care and research early in the month; the target
        // patient consents to both on 15 March, alone that day.
        for _ in 0..<10 { try await consent(["care", "research"], on: "2026-03-03") }
        try await consent(["care", "research"], on: "2026-03-15")
        // April 2026: twenty care consents and one patient's research consent (a small cell beside a big one).
        for _ in 0..<20 { try await consent(["care"], on: "2026-04-07") }
        try await consent(["research"], on: "2026-04-20")
        // June 2026: eight care consents and one research consent (secondary suppression alone would leave 9 − 8 = 1).
        for _ in 0..<8 { try await consent(["care"], on: "2026-06-09") }
        try await consent(["research"], on: "2026-06-10")
        // One subject-access request, the only request that year.
        clock.set("2026-03-15")
        _ = try await t.vault.addRequest(kind: .sar, received: "2026-03-15", by: .unproven("test"))
        clock.set("2027-05-15")
        return (t, clock)
    }

    /// A consent given on paper in March and recorded in May, or a request registered late, used to
    /// change March's figures after they were published: two exports of March, before and after,
    /// differed by exactly that one patient.
    @Test func anEntryRecordedLateLeavesAPublishedPeriodAsItWas() async throws {
        let (t, clock) = try await Self.populatedVault()
        defer { t.remove() }
        let march = ReportingPeriod("2026-03")!
        let before = try await t.vault.foiReport(period: march, by: .unproven("test"))
        try await t.vault.recordConsent(ConsentRequest(session: "LATE", patientIdentifier: "P-late", scopes: ["research"], givenOn: "2026-03-20"),
                                        vaultPassphrase: t.passphrase, by: .unproven("test"))
        _ = try await t.vault.addRequest(kind: .foi, received: "2026-03-20", by: .unproven("test"))
        let after = try await t.vault.foiReport(period: march, by: .unproven("test"))
        #expect(after.figures == before.figures)
        #expect(after.csv() == before.csv())
        // They are counted, in the month they were recorded (May 2027, exported once it has ended).
        clock.set("2027-06-01")
        let may = try await t.vault.foiReport(period: ReportingPeriod("2027-05")!, by: .unproven("test"))
        #expect(may.figures.contains { $0.measure == "consents" && $0.category == "research" && $0.count == DisclosureControl.withheld })
        #expect(may.figures.contains { $0.measure == "requests" && $0.category == "foi" && $0.count == DisclosureControl.withheld })
    }

    /// Day windows an operator could have asked for with `--from/--to` around the target's day.
    static let windows: [(String, String)] = [
        ("2026-03-01", "2026-03-14"), ("2026-03-01", "2026-03-15"), ("2026-03-15", "2026-03-15"), ("2026-03-16", "2026-03-31"),
        ("2026-03-01", "2026-03-31"), ("2026-04-01", "2026-04-19"), ("2026-04-01", "2026-04-30"), ("2026-06-01", "2026-06-09"),
        ("2026-06-01", "2026-06-30"), ("2026-01-01", "2026-12-31"),
    ]

    /// Every period the tool allows that overlaps the data: months, quarters, the year and both financial years.
    static let periods: [String] = (1...12).map { String(format: "2026-%02d", $0) } + ["2025-12", "2027-01", "2027-02", "2027-03"]
        + ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1", "2025", "2026", "2025/26", "2026/27"]

    @Test(arguments: [DisclosureControl.standard, DisclosureControl(method: .round5, suppressBelow: 8)])
    func noSuppressedCountCanBeRecoveredFromEveryExportTheToolAllows(control: DisclosureControl) async throws {
        let (t, _) = try await Self.populatedVault()
        defer { t.remove() }
        var reports: [FOIReport] = []
        for period in Self.periods { reports.append(try await t.vault.foiReport(period: ReportingPeriod(period)!, control: control, by: .unproven("test"))) }
        // Day ranges: refused unless they are exactly a period, which is then exported like one.
        for (from, to) in Self.windows {
            let exact = ReportingPeriod.exactly(from: CivilDate(from)!, to: CivilDate(to)!)
            if exact == nil {
                await expectVaultError(.invalidReportingPeriod, "\(from)..\(to)") { try await t.vault.foiReport(from: from, to: to, by: .unproven("test")) }
            } else {
                reports.append(try await t.vault.foiReport(period: exact!, control: control, by: .unproven("test")))
            }
        }
        let figures = Self.attackerView(reports, control: control)
        let findings = DifferencingAttacker(figures: figures).attack()
        #expect(findings.isEmpty, "recovered: \(findings.map(\.description).joined(separator: "; "))")

        // And the figures say what they should.
        let april = try #require(reports.first { $0.period == "2026-04" })
        func count(_ report: FOIReport, _ measure: String, _ category: String, _ period: String) -> String? {
            report.figures.first { $0.measure == measure && $0.category == category && $0.period == period }?.count
        }
        #expect(count(april, "consents", "research", "2026-04") == "[c]")
        let year = try #require(reports.first { $0.period == "2026" })
        if control.method == .suppress {
            #expect(count(april, "consents", "care", "2026-04") == "[c]")  // the secondary cell
            #expect(count(april, "consents", "all", "2026-04") == "21")
            #expect(count(year, "consents", "research", "2026-03") == "11")
            #expect(count(year, "consents", "all", "2026-06") == "[c]")  // 8 + 1: no safe secondary cell, so the total goes
            #expect(count(year, "consents", "research", "2026") == "[c]")
        } else {
            #expect(count(april, "consents", "care", "2026-04") == "20")
            #expect(count(april, "consents", "all", "2026-04") == "20")
            #expect(count(year, "consents", "research", "2026-03") == "10")
            #expect(count(year, "consents", "research", "2026") == "15")  // 13, rounded
        }
        #expect(count(year, "requests", "sar", "2026-03") == "[c]")
        #expect(count(year, "requests", "all", "2026") == "[c]")
        #expect(count(year, "consents", "care", "2026-05") == "0")
    }

    /// What an attacker reads from the reports: every figure with the days it covers, and a zero
    /// for every category of a measure that a month does not list.
    static func attackerView(_ reports: [FOIReport], control: DisclosureControl) -> [DifferencingAttacker.Figure] {
        var categories: [String: Set<String>] = [:]
        for report in reports {
            for figure in report.figures where figure.category != FOIReport.allCategories { categories[figure.measure, default: []].insert(figure.category) }
        }
        var figures: [DifferencingAttacker.Figure] = []
        for (index, report) in reports.enumerated() {
            let name = "export \(index) (\(report.period))"
            var listed = Set<String>()
            for figure in report.figures {
                let period = ReportingPeriod(figure.period)!
                let value: DifferencingAttacker.Figure.Value
                switch (figure.count, control.method) {
                case ("[c]", _): value = .suppressed
                case (let text, .suppress): value = .exact(Int(text)!)
                case (let text, .round5):
                    let n = Int(text)!
                    value = n == 0 ? .exact(0) : .within(max(n - 2, control.suppressBelow), n + 2)
                }
                let category = figure.category == FOIReport.allCategories ? nil : figure.category
                figures.append(.init(export: name, measure: figure.measure, category: category, days: period.first...period.last, value: value))
                listed.insert("\(figure.measure)/\(figure.category)/\(figure.period)")
            }
            for month in ReportingPeriod(report.period)!.months {
                for (measure, known) in categories {
                    for category in known where !listed.contains("\(measure)/\(category)/\(month)") {
                        figures.append(.init(export: name, measure: measure, category: category, days: month.first...month.last, value: .exact(0)))
                    }
                }
            }
        }
        return figures
    }
}
