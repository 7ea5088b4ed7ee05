import Foundation
import Retention
import VaultIndex

/// One published figure: a measure, a category (or `all`) and a period (a month, or the whole
/// reporting period for its totals), after disclosure control.
public struct FOIFigure: Sendable, Codable, Hashable {
    public var measure: String
    /// A category of the measure, or ``FOIReport/allCategories`` for the total over all of them.
    public var category: String
    /// `2026-11` for a month's figure; the reporting period (`2026-Q3`, `2026`, `2026/27`) for its totals.
    public var period: String
    /// The count as published: a number, or ``DisclosureControl/withheld`` (`[c]`).
    public var count: String
}

/// Aggregate figures for a Freedom of Information answer over one fixed reporting period.
/// Identifies nobody: no patient, clinician or recording identifier appears, and small counts are
/// withheld under ``DisclosureControl`` (see ``FOIMonthTable`` for why the result is safe to combine
/// with every other export).
public struct FOIReport: Sendable, Codable {
    /// The category name of a total over every category of a measure.
    public static let allCategories = "all"

    /// The reporting period, e.g. `2026-Q3`.
    public var period: String
    /// Its first and last day (inclusive).
    public var from: String
    public var to: String
    /// `suppress` or `round5`.
    public var method: String
    /// Counts from 1 to `suppressBelow - 1` are withheld.
    public var suppressBelow: Int
    /// How a withheld count is shown.
    public var withheld: String
    public var figures: [FOIFigure]

    /// CSV with a header row `measure,category,period,count`; every field is quoted if it needs to be.
    public func csv() -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var lines = ["measure,category,period,count"]
        for figure in figures { lines.append([figure.measure, figure.category, figure.period, figure.count].map(field).joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension ReportingPeriod {
    /// The period an FOI export asks for: `--period`, or `--from/--to` only when they are exactly
    /// the first and last day of a month, quarter, calendar year or financial year.
    public static func resolve(period: String?, from: String?, to: String?) throws(VaultError) -> ReportingPeriod {
        switch (period, from, to) {
        case (let text?, nil, nil):
            guard let parsed = ReportingPeriod(text) else {
                throw .invalidReportingPeriod(text, reason: "expected a month (2026-11), a quarter (2026-Q3), a calendar year (2026) "
                                                  + "or a financial year (2026/27)")
            }
            return parsed
        case (nil, let from?, let to?):
            guard let first = CivilDate(from), let last = CivilDate(to) else {
                throw .invalidReportingPeriod("\(from)..\(to)", reason: "--from and --to must be dates YYYY-MM-DD")
            }
            guard let exact = exactly(from: first, to: last) else {
                throw .invalidReportingPeriod("\(from)..\(to)", reason: "figures are published only for whole months, quarters, calendar "
                                                  + "years and financial years, never for other day ranges (two overlapping ranges would "
                                                  + "reveal, by subtraction, the days between them); use --period, e.g. --period 2026-Q3")
            }
            return exact
        case (nil, nil, nil):
            throw .invalidReportingPeriod("", reason: "give --period (2026-11, 2026-Q3, 2026 or 2026/27)")
        default:
            throw .invalidReportingPeriod(period ?? "", reason: "give either --period, or both --from and --to, not a mix")
        }
    }
}

extension Vault {
    /// Builds the FOI figures for a reporting period that has ended, under the configured
    /// disclosure control, and audits the export with the period and the method.
    public func foiReport(period: ReportingPeriod, by authority: Authority) async throws(VaultError) -> FOIReport {
        try await foiReport(period: period, control: config.foi, by: authority)
    }

    /// ``foiReport(period:by:)`` under `control` instead of the configured disclosure control,
    /// for the tests that attack each control. Not public: publishing under a weaker control than
    /// the configuration's would bypass the operator's choice.
    @_spi(Testing) public func foiReport(period: ReportingPeriod, control: DisclosureControl, by authority: Authority) async throws(VaultError) -> FOIReport {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .export)
            let today = CivilDate(clock())
            guard period.hasEnded(before: today) else {
                throw VaultError.reportingPeriodNotEnded(period: period.description, lastDay: period.last.description, today: today.description)
            }
            let months = period.months
            var figures: [FOIFigure] = []
            for measure in AggregateMeasure.allCases {
                let rows = try await catalog.monthlyCounts(measure, from: period.first, to: period.last)
                let categories = Set(rows.map(\.category)).sorted()
                var byMonth: [String: [String: Int]] = [:]
                for row in rows { byMonth[row.month, default: [:]][row.category, default: 0] += row.count }
                var tables: [FOIMonthTable] = []
                for month in months {
                    let counts = categories.map { (category: $0, count: byMonth[month.description]?[$0] ?? 0) }
                    let table = FOIMonthTable(counts: counts, control: control)
                    tables.append(table)
                    for (index, entry) in counts.enumerated() {
                        figures.append(FOIFigure(measure: measure.rawValue, category: entry.category, period: month.description, count: table.cells[index].text))
                    }
                    figures.append(FOIFigure(measure: measure.rawValue, category: FOIReport.allCategories, period: month.description,
                                             count: table.publishedTotal.text))
                }
                guard months.count > 1 else { continue }
                // Totals over the period: a sum of published month figures, or rounded from the true sum.
                for (index, category) in categories.enumerated() {
                    let published = Self.periodTotal(tables.map { ($0.counts[index].count, $0.cells[index]) }, control: control)
                    figures.append(FOIFigure(measure: measure.rawValue, category: category, period: period.description, count: published.text))
                }
                let published = Self.periodTotal(tables.map { ($0.total, $0.publishedTotal) }, control: control)
                figures.append(FOIFigure(measure: measure.rawValue, category: FOIReport.allCategories, period: period.description, count: published.text))
            }
            try await catalog.appendAudit(AuditDraft(actor: actor, action: .exportFOI, purpose: "foi",
                                                     detail: "period \(period) (\(period.first) to \(period.last)); \(control.summary); \(figures.count) figures"))
            return FOIReport(period: period.description, from: period.first.description, to: period.last.description, method: control.method.rawValue,
                             suppressBelow: control.suppressBelow, withheld: DisclosureControl.withheld, figures: figures)
        }
    }

    /// Builds the FOI figures for `--from/--to`, accepted only when they bound a reporting period
    /// exactly (see ``ReportingPeriod/resolve(period:from:to:)``).
    public func foiReport(from: String, to: String, by authority: Authority) async throws(VaultError) -> FOIReport {
        try await vaultBoundary {
            try await foiReport(period: ReportingPeriod.resolve(period: nil, from: from, to: to), by: authority)
        }
    }

    /// A total over several months. Under `suppress` it is published only when every month's figure
    /// was, so it is their sum and reveals nothing new; under `round5` it is the true sum, withheld
    /// when small and otherwise rounded, as NHS Digital does.
    static func periodTotal(_ months: [(count: Int, published: FOIMonthTable.Published)], control: DisclosureControl) -> FOIMonthTable.Published {
        let sum = months.reduce(0) { $0 + $1.count }
        switch control.method {
        case .suppress:
            return months.allSatisfy { $0.published != .withheld } ? .value(sum) : .withheld
        case .round5:
            return control.isSmall(sum) ? .withheld : .value(FOIMonthTable.roundedToFive(sum))
        }
    }
}
