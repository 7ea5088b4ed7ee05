import Foundation
import Retention

/// An attacker holding every FOI figure ever published: tries to recover a suppressed count by
/// subtracting published figures (every pair, and any linear combination of the exact ones).
///
/// Each figure counts events of one measure over a set of atoms (category × day); `category` nil
/// means every category of the measure. Atoms are grouped by which figures contain them, so the
/// linear algebra runs over a handful of classes rather than every day.
struct DifferencingAttacker {
    struct Figure {
        enum Value { case exact(Int), within(Int, Int), suppressed }
        var export: String
        var measure: String
        var category: String?
        var days: ClosedRange<CivilDate>
        var value: Value
        var label: String { "\(export): \(measure)/\(category ?? "all")/\(days.lowerBound)...\(days.upperBound)" }
    }

    struct Finding: CustomStringConvertible {
        var suppressed: String
        var value: Int
        var how: String
        var description: String { "\(suppressed) recovered as \(value) by \(how)" }
    }

    var figures: [Figure]

    /// Every suppressed figure that an attacker can pin to one value.
    func attack() -> [Finding] {
        var findings: [Finding] = []
        for measure in Set(figures.map(\.measure)).sorted() {
            findings += attack(measure: figures.filter { $0.measure == measure })
        }
        return findings
    }

    private func attack(measure figures: [Figure]) -> [Finding] {
        let categories = Set(figures.compactMap(\.category)).sorted()
        guard let first = figures.map(\.days.lowerBound).min(), let last = figures.map(\.days.upperBound).max() else { return [] }
        // Atom classes: atoms with the same membership signature are indistinguishable.
        var classOf: [[Int]: Int] = [:]
        var members = Array(repeating: Set<Int>(), count: figures.count)
        for category in categories {
            var day = first
            while day <= last {
                let signature = figures.indices.filter { i in
                    (figures[i].category == nil || figures[i].category == category) && figures[i].days.contains(day)
                }
                if !signature.isEmpty {
                    let cls = classOf[signature] ?? { let n = classOf.count; classOf[signature] = n; return n }()
                    for i in signature { members[i].insert(cls) }
                }
                day = day.adding(days: 1)
            }
        }
        let width = classOf.count
        var findings: [Finding] = []

        // 1. Pairs: A − B (or A alone) covering exactly a suppressed figure's atoms.
        var bySet: [Set<Int>: [Int]] = [:]
        for i in figures.indices where !isSuppressed(figures[i]) { bySet[members[i], default: []].append(i) }
        for s in figures.indices where isSuppressed(figures[s]) && !members[s].isEmpty {
            for a in figures.indices where !isSuppressed(figures[a]) && members[a].isSuperset(of: members[s]) {
                let rest = members[a].subtracting(members[s])
                let partners: [Int?] = rest.isEmpty ? [nil] : (bySet[rest] ?? []).map { Optional($0) }
                for b in partners {
                    let (aLo, aHi) = bounds(figures[a])
                    let (bLo, bHi) = b.map { bounds(figures[$0]) } ?? (0, 0)
                    let lo = max(1, aLo - bHi), hi = aHi - bLo
                    if lo == hi {
                        findings.append(Finding(suppressed: figures[s].label, value: lo,
                                                how: "\(figures[a].label) minus \(b.map { figures[$0].label } ?? "nothing")"))
                    }
                }
            }
        }

        // 2. Any linear combination of exactly published figures.
        var rows: [([Fraction], Fraction)] = []
        for i in figures.indices {
            guard case .exact(let v) = figures[i].value else { continue }
            var row = Array(repeating: Fraction(0), count: width)
            for c in members[i] { row[c] = Fraction(1) }
            rows.append((row, Fraction(v)))
        }
        let basis = Self.reducedRowEchelon(rows, width: width)
        for s in figures.indices where isSuppressed(figures[s]) && !members[s].isEmpty {
            var target = Array(repeating: Fraction(0), count: width)
            for c in members[s] { target[c] = Fraction(1) }
            var value = Fraction(0)
            for (pivot, row, rhs) in basis where target[pivot] != Fraction(0) {
                let factor = target[pivot]
                for k in 0..<width { target[k] = target[k] - factor * row[k] }
                value = value + factor * rhs
            }
            if target.allSatisfy({ $0 == Fraction(0) }) {
                findings.append(Finding(suppressed: figures[s].label, value: value.numerator / value.denominator,
                                        how: "a linear combination of exact figures"))
            }
        }
        return findings
    }

    private func isSuppressed(_ figure: Figure) -> Bool { if case .suppressed = figure.value { true } else { false } }

    private func bounds(_ figure: Figure) -> (Int, Int) {
        switch figure.value {
        case .exact(let v): (v, v)
        case .within(let lo, let hi): (lo, hi)
        case .suppressed: (1, Int.max / 4)
        }
    }

    /// Gauss-Jordan over the rationals: (pivot column, row, right-hand side) per independent row.
    static func reducedRowEchelon(_ input: [([Fraction], Fraction)], width: Int) -> [(Int, [Fraction], Fraction)] {
        var rows = input
        var pivots: [(column: Int, row: Int)] = []
        var used = Array(repeating: false, count: rows.count)
        for column in 0..<width {
            guard let p = rows.indices.first(where: { !used[$0] && rows[$0].0[column] != Fraction(0) }) else { continue }
            used[p] = true
            let scale = rows[p].0[column]
            rows[p].0 = rows[p].0.map { $0 / scale }
            rows[p].1 = rows[p].1 / scale
            // Eliminate the column from every other row, earlier pivot rows included (Gauss-Jordan).
            for r in rows.indices where r != p && rows[r].0[column] != Fraction(0) {
                let factor = rows[r].0[column]
                for k in 0..<width { rows[r].0[k] = rows[r].0[k] - factor * rows[p].0[k] }
                rows[r].1 = rows[r].1 - factor * rows[p].1
            }
            pivots.append((column, p))
        }
        return pivots.map { ($0.column, rows[$0.row].0, rows[$0.row].1) }
    }
}

/// An exact rational number, enough for the small integer systems the attacker solves.
struct Fraction: Equatable {
    let numerator: Int
    let denominator: Int

    init(_ value: Int) { self.init(value, 1) }

    init(_ n: Int, _ d: Int) {
        let g = Self.gcd(abs(n), abs(d))
        let sign = d < 0 ? -1 : 1
        numerator = sign * n / max(g, 1)
        denominator = sign * d / max(g, 1)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
    static func + (l: Fraction, r: Fraction) -> Fraction { Fraction(l.numerator * r.denominator + r.numerator * l.denominator, l.denominator * r.denominator) }
    static func - (l: Fraction, r: Fraction) -> Fraction { Fraction(l.numerator * r.denominator - r.numerator * l.denominator, l.denominator * r.denominator) }
    static func * (l: Fraction, r: Fraction) -> Fraction { Fraction(l.numerator * r.numerator, l.denominator * r.denominator) }
    static func / (l: Fraction, r: Fraction) -> Fraction { Fraction(l.numerator * r.denominator, l.denominator * r.numerator) }
}
