import Foundation
public import Retention

/// A fixed reporting period for FOI figures: a calendar month, a calendar quarter, a calendar year
/// or an NHS financial year (1 April to 31 March).
///
/// Figures are only ever published for these periods, never for an arbitrary day range: two
/// exports whose windows differ by one day would otherwise reveal, by subtraction, what happened on
/// that day (the differencing attack). Every period is a whole number of calendar months, and the
/// months are what disclosure control protects (see ``FOIMonthTable``).
public struct ReportingPeriod: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case month, quarter, year, financialYear = "financial-year"
    }

    public let kind: Kind
    /// The first day of the period.
    public let first: CivilDate
    /// The last day of the period (inclusive).
    public let last: CivilDate

    /// Reads `2026-11` (month), `2026-Q3` (quarter), `2026` (calendar year) or `2026/27` (financial
    /// year April 2026 to March 2027); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        func year(_ s: Substring) -> Int? { s.count == 4 && s.allSatisfy(\.isASCII) ? Int(s).flatMap { (1...9998).contains($0) ? $0 : nil } : nil }
        if parts.count == 1, text.contains("/") {
            let halves = text.split(separator: "/", omittingEmptySubsequences: false)
            guard halves.count == 2, let start = year(halves[0]), halves[1].count == 2, let end = Int(halves[1]),
                  end == (start + 1) % 100 else { return nil }
            self.init(kind: .financialYear, startYear: start, startMonth: 4, months: 12)
        } else if parts.count == 1, let y = year(parts[0]) {
            self.init(kind: .year, startYear: y, startMonth: 1, months: 12)
        } else if parts.count == 2, let y = year(parts[0]) {
            let tail = parts[1]
            if tail.count == 2, tail.first == "Q" || tail.first == "q", let q = Int(tail.dropFirst()), (1...4).contains(q) {
                self.init(kind: .quarter, startYear: y, startMonth: 3 * (q - 1) + 1, months: 3)
            } else if tail.count == 2, tail.allSatisfy(\.isASCII), let m = Int(tail), (1...12).contains(m) {
                self.init(kind: .month, startYear: y, startMonth: m, months: 1)
            } else {
                return nil
            }
        } else {
            return nil
        }
    }

    private init(kind: Kind, startYear: Int, startMonth: Int, months: Int) {
        // Only called with a validated year 1...9998 and month 1...12, so the date exists.
        let first = (try? CivilDate(year: startYear, month: startMonth, day: 1)) ?? .min
        self.kind = kind
        self.first = first
        self.last = first.adding(months: months).adding(days: -1)
    }

    /// The period that runs exactly from `first` to `last`, if there is one. Months are preferred
    /// to quarters, quarters to years, and calendar years to financial years (no two kinds share
    /// boundaries anyway, except that a range can only be one of them).
    public static func exactly(from first: CivilDate, to last: CivilDate) -> ReportingPeriod? {
        guard first.day == 1 else { return nil }
        let y = first.year
        let candidates = [
            String(format: "%04d-%02d", y, first.month),
            first.month % 3 == 1 ? "\(String(format: "%04d", y))-Q\((first.month - 1) / 3 + 1)" : nil,
            first.month == 1 ? String(format: "%04d", y) : nil,
            first.month == 4 ? String(format: "%04d/%02d", y, (y + 1) % 100) : nil,
        ]
        return candidates.compactMap { $0.flatMap(ReportingPeriod.init) }.first { $0.first == first && $0.last == last }
    }

    /// The canonical text: `2026-11`, `2026-Q3`, `2026` or `2026/27`.
    public var description: String {
        let y = String(format: "%04d", first.year)
        switch kind {
        case .month: return y + String(format: "-%02d", first.month)
        case .quarter: return "\(y)-Q\((first.month - 1) / 3 + 1)"
        case .year: return y
        case .financialYear: return y + String(format: "/%02d", (first.year + 1) % 100)
        }
    }

    /// The calendar months of the period, in order, as one-month periods.
    public var months: [ReportingPeriod] {
        var result: [ReportingPeriod] = []
        var month = first
        while month <= last {
            result.append(ReportingPeriod(kind: .month, startYear: month.year, startMonth: month.month, months: 1))
            month = month.adding(months: 1)
        }
        return result
    }

    /// Whether the period ended before `today` (a period still running, or ending today, has not).
    public func hasEnded(before today: CivilDate) -> Bool { last < today }
}
