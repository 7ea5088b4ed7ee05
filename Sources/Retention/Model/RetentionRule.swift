/// One retention rule: keep for `period` after `trigger`, e.g. "20y after last-contact".
public struct RetentionRule: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How long to keep after the trigger.
    public var period: RetentionPeriod
    /// The event the period is counted from.
    public var trigger: RetentionTrigger

    /// A rule keeping for `period` after `trigger`.
    public init(_ period: RetentionPeriod, after trigger: RetentionTrigger) {
        self.period = period
        self.trigger = trigger
    }

    /// "20y after last-contact".
    public var description: String { "\(period) after \(trigger)" }
}
