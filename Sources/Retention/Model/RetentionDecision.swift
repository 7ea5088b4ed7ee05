/// The outcome of applying a schedule to one recording.
public struct RetentionDecision: Sendable, Hashable {
    /// The retention class decided for.
    public var classID: String
    /// The first day on which ``disposition`` may be carried out. `nil` when it cannot be known
    /// yet (``waitingFor`` says which events are missing) or when the recording is ``held``.
    public var dueDate: CivilDate?
    /// What happens on the due date.
    public var disposition: Disposition
    /// Which rule decided, for people, with its citation, e.g.
    /// "care: 20y after last-contact (NHS RM Code 2021 App. II: mental health records)".
    public var rule: String
    /// The triggers whose events are still unknown; non-empty exactly when the due date waits
    /// for them (``dueDate`` is `nil` and the recording is not held).
    public var waitingFor: [RetentionTrigger]
    /// Whether a hold keeps the recording regardless of the schedule.
    public var held: Bool

    /// A decision with every property given.
    public init(
        classID: String,
        dueDate: CivilDate?,
        disposition: Disposition,
        rule: String,
        waitingFor: [RetentionTrigger] = [],
        held: Bool = false
    ) {
        self.classID = classID
        self.dueDate = dueDate
        self.disposition = disposition
        self.rule = rule
        self.waitingFor = waitingFor
        self.held = held
    }

    /// Whether the disposition may be carried out on `today`: a due date is known, has been
    /// reached, and no hold applies.
    public func isDue(on today: CivilDate) -> Bool {
        guard !held, let dueDate else { return false }
        return today >= dueDate
    }

    /// The decision that keeps a recording longest, for a recording kept for several purposes
    /// at once (each decided with its own class): a hold beats everything, then a due date
    /// still waiting for an event, then the latest due date; on equal dates `review` beats
    /// `destroy`. `nil` for no decisions.
    public static func longest(of decisions: [RetentionDecision]) -> RetentionDecision? {
        decisions.max { keepsShorter($0, than: $1) }
    }

    private static func keepsShorter(_ a: RetentionDecision, than b: RetentionDecision) -> Bool {
        if a.held != b.held { return b.held }
        switch (a.dueDate, b.dueDate) {
        case (nil, nil): return false
        case (nil, _?): return false
        case (_?, nil): return true
        case (let x?, let y?):
            if x != y { return x < y }
            return a.disposition == .destroy && b.disposition == .review
        }
    }
}
