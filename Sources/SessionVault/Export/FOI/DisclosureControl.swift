/// How published FOI figures are protected against identifying anyone: the `[foi]` table of
/// `config.toml`. See docs/OPERATIONS.md ("FOI figures") for the sources of the rules.
public struct DisclosureControl: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Codable, CaseIterable {
        /// Counts from 1 to `suppressBelow - 1` are withheld, and further counts are withheld
        /// (secondary suppression) so that no withheld count can be worked out from a total.
        case suppress
        /// NHS Digital's secondary-care rule: counts from 1 to `suppressBelow - 1` are withheld
        /// and every other count, totals included, is rounded to the nearest 5 (totals are summed
        /// before rounding). Rounding, not secondary suppression, protects the withheld counts.
        case round5
    }

    public var method: Method
    /// The smallest count that may be published; counts from 1 up to this minus one are withheld.
    public var suppressBelow: Int

    /// The default: withhold 1 to 7 (NHS Digital's threshold) and suppress secondary cells.
    public static let standard = DisclosureControl(method: .suppress, suppressBelow: 8)
    /// The thresholds accepted in `config.toml`: 2 (withhold only 1) to 100.
    public static let allowedThresholds = 2...100
    /// How a withheld count is shown: the Government Statistical Service shorthand for
    /// "confidential", in square brackets so that screen readers and scripts recognise it.
    public static let withheld = "[c]"

    public init(method: Method, suppressBelow: Int) {
        self.method = method
        self.suppressBelow = suppressBelow
    }

    /// Whether a count is small enough to be withheld on its own (primary suppression).
    func isSmall(_ count: Int) -> Bool { count >= 1 && count < suppressBelow }

    /// One line for the audit trail and for the operator: the method and the threshold.
    public var summary: String {
        switch method {
        case .suppress: "suppress: counts 1-\(suppressBelow - 1) shown as \(Self.withheld), with secondary suppression"
        case .round5: "round5: counts 1-\(suppressBelow - 1) shown as \(Self.withheld), all others rounded to the nearest 5"
        }
    }
}
