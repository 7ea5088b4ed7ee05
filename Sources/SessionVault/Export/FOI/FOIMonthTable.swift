/// One month of one measure as published: a count per category and the month's total over all
/// categories, after disclosure control.
///
/// The month is the unit that disclosure control protects. What is published for a month depends
/// only on that month's counts, never on the period asked for, so a month looks the same in its
/// own export, its quarter's, its year's and its financial year's; and every longer-period total
/// is either the sum of published month figures (``DisclosureControl/Method/suppress``) or rounded
/// (``DisclosureControl/Method/round5``). Combining exports therefore tells nobody more than the
/// month tables do, and each month table is safe on its own:
///
/// - The only equation linking a month's figures is "cells add up to the total". With the total
///   published, a single withheld cell could be worked out by subtraction, so at least two are
///   withheld; and no primary cell may be pinned by the bounds an attacker knows (a primary count
///   is from 1 to below the threshold; a secondary one, chosen as the next smallest, is from the
///   threshold to the smallest count still published). When that cannot be met, the total is
///   withheld too, which removes the equation.
/// - Zeros are published (a zero identifies nobody) and never chosen for secondary suppression,
///   so a withheld figure is known to be at least 1 and nothing more.
public struct FOIMonthTable: Sendable, Equatable {
    public enum Published: Sendable, Equatable {
        case value(Int)
        case withheld

        /// The figure as written in the CSV.
        public var text: String {
            switch self {
            case .value(let n): String(n)
            case .withheld: DisclosureControl.withheld
            }
        }
    }

    /// Categories in order, with their true counts (zeros included).
    public let counts: [(category: String, count: Int)]
    public let total: Int
    /// The published form of each category's count, in the order of ``counts``.
    public let cells: [Published]
    public let publishedTotal: Published

    public static func == (lhs: FOIMonthTable, rhs: FOIMonthTable) -> Bool {
        lhs.counts.map(\.category) == rhs.counts.map(\.category) && lhs.counts.map(\.count) == rhs.counts.map(\.count)
            && lhs.cells == rhs.cells && lhs.publishedTotal == rhs.publishedTotal
    }

    public init(counts: [(category: String, count: Int)], control: DisclosureControl) {
        self.counts = counts
        let total = counts.reduce(0) { $0 + $1.count }
        self.total = total
        switch control.method {
        case .round5:
            func publish(_ n: Int) -> Published { control.isSmall(n) ? .withheld : .value(Self.roundedToFive(n)) }
            cells = counts.map { publish($0.count) }
            publishedTotal = publish(total)
        case .suppress:
            let threshold = control.suppressBelow
            let primary = counts.map { control.isSmall($0.count) }
            var secondary = Array(repeating: false, count: counts.count)
            var totalWithheld = control.isSmall(total)
            if !totalWithheld, primary.contains(true) {
                while !Self.isProtected(counts.map(\.count), primary: primary, secondary: secondary, threshold: threshold) {
                    // The next smallest published non-zero cell becomes a secondary suppression.
                    let candidates = counts.indices.filter { !primary[$0] && !secondary[$0] && counts[$0].count > 0 }
                    guard let next = candidates.min(by: { (counts[$0].count, $0) < (counts[$1].count, $1) }) else {
                        totalWithheld = true
                        break
                    }
                    secondary[next] = true
                }
            }
            cells = counts.indices.map { primary[$0] || secondary[$0] ? .withheld : .value(counts[$0].count) }
            publishedTotal = totalWithheld ? .withheld : .value(total)
        }
    }

    /// With the total published, the withheld cells' sum is known. Protected when every primary cell
    /// keeps at least two possible values under every bound an attacker can read from the rules: a
    /// primary count is from 1 to `threshold - 1`; a secondary one is at least `threshold` (it is not
    /// small and not zero) and at most the smallest count still published (secondaries are chosen
    /// smallest first). Lower bounds alone are not enough: 7, 7, 7 withheld beside a published 8
    /// add up to 21, which only 7 + 7 + 7 can make.
    static func isProtected(_ counts: [Int], primary: [Bool], secondary: [Bool], threshold: Int) -> Bool {
        let withheld = counts.indices.filter { primary[$0] || secondary[$0] }
        guard withheld.count >= 2 else { return !primary.contains(true) }
        let sum = withheld.reduce(0) { $0 + counts[$1] }
        let smallestPublished = counts.indices.filter { !withheld.contains($0) && counts[$0] > 0 }.map { counts[$0] }.min() ?? sum
        func bounds(_ i: Int) -> (low: Int, high: Int) { primary[i] ? (1, threshold - 1) : (threshold, max(threshold, smallestPublished)) }
        for i in withheld where primary[i] {
            let others = withheld.filter { $0 != i }
            let low = max(bounds(i).low, sum - others.reduce(0) { $0 + bounds($1).high })
            let high = min(bounds(i).high, sum - others.reduce(0) { $0 + bounds($1).low })
            if high - low < 1 { return false }
        }
        return true
    }

    /// Rounds to the nearest multiple of 5 (a count is never halfway, so no tie rule is needed).
    public static func roundedToFive(_ n: Int) -> Int { (n + 2) / 5 * 5 }
}
