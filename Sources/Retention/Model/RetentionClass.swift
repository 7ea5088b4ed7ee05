/// A kind of recording with its own retention: how long it is kept, from which event, and what
/// happens at the end.
public struct RetentionClass: Sendable, Hashable, Codable {
    /// The identifier used in schedules, vault records and the CLI, e.g. `care`.
    public var id: String
    /// A one-line human description.
    public var title: String
    /// One or more rules; see ``combine`` for how several combine.
    public var rules: [RetentionRule]
    /// How the rules' due dates combine when there are several.
    public var combine: RuleCombination
    /// A period after capture during which the recording is always kept, whatever the rules or
    /// a consent withdrawal say; `nil` for none.
    public var minimum: RetentionPeriod?
    /// What happens when the period ends.
    public var disposition: Disposition
    /// Whether withdrawing the consent that justifies the recording shortens its retention to
    /// the schedule's grace period. `false` for recordings that are part of the clinical record.
    public var withdrawalShortens: Bool
    /// The citation the rules come from, e.g. "NHS RM Code 2021 App. II: mental health records".
    public var source: String
    /// Longer explanation, if any.
    public var notes: String?
    /// Whether a recording of this class must be derived from another (a review copy), must not
    /// be, or may be either.
    public var derived: DerivedRule = .allowed
    /// The rule for patients treated as children, a floor under ``rules``; nil if the class has none.
    public var children: ChildrenRule?

    /// A class with every property given.
    public init(
        id: String,
        title: String,
        rules: [RetentionRule],
        combine: RuleCombination = .earliest,
        minimum: RetentionPeriod? = nil,
        disposition: Disposition,
        withdrawalShortens: Bool,
        source: String,
        notes: String? = nil,
        derived: DerivedRule = .allowed,
        children: ChildrenRule? = nil
    ) {
        self.derived = derived
        self.children = children
        self.id = id
        self.title = title
        self.rules = rules
        self.combine = combine
        self.minimum = minimum
        self.disposition = disposition
        self.withdrawalShortens = withdrawalShortens
        self.source = source
        self.notes = notes
    }
}

/// The `derived` key of a schedule class: whether its recordings are copies of another.
public enum DerivedRule: String, Sendable, Hashable, Codable, CaseIterable {
    /// Only a copy derived from a source recording (e.g. `review-copy`): an original filed under it
    /// would be destroyed without review when the copy's short period ends.
    case required
    /// Only originals.
    case forbidden
    /// Either (the default).
    case allowed
}
