import Foundation
import Retention
import VaultIndex

/// One published figure: a measure, a category and a month, with small numbers suppressed.
public struct FOIFigure: Sendable, Codable, Hashable {
    public var measure: String
    public var category: String
    public var month: String
    /// The count as published: a number, or `<5` for counts from 1 to 4 (NHS small-number suppression).
    public var count: String
}

/// Aggregate figures for a Freedom of Information answer. Identifies nobody: no patient,
/// clinician or recording identifier appears, and counts from 1 to 4 are shown as `<5`.
public struct FOIReport: Sendable, Codable {
    public var from: String
    public var to: String
    public var figures: [FOIFigure]

    /// CSV with a header row; every field is quoted if it needs to be.
    public func csv() -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var lines = ["measure,category,month,count"]
        for figure in figures { lines.append([figure.measure, figure.category, figure.month, figure.count].map(field).joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The published form of a count.
    public static func suppress(_ count: Int) -> String { (1...4).contains(count) ? "<5" : String(count) }
}

extension Vault {
    /// Builds the FOI figures between two civil dates (inclusive) and audits the export.
    public func foiReport(from: String, to: String, actor: String = Vault.defaultActor) async throws -> FOIReport {
        guard let start = CivilDate(from), let end = CivilDate(to) else {
            throw VaultError.invalidArgument("--from and --to must be dates YYYY-MM-DD")
        }
        guard start <= end else { throw VaultError.invalidArgument("--from \(from) is after --to \(to)") }
        var figures: [FOIFigure] = []
        for measure in AggregateMeasure.allCases {
            for row in try await catalog.monthlyCounts(measure, from: from, to: to) {
                figures.append(FOIFigure(measure: measure.rawValue, category: row.category, month: row.month, count: FOIReport.suppress(row.count)))
            }
        }
        try await catalog.appendAudit(AuditDraft(actor: actor, action: "export.foi", purpose: "foi", detail: "figures \(from) to \(to)"))
        return FOIReport(from: from, to: to, figures: figures)
    }
}
