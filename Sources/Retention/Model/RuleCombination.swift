/// How the due dates of a class's rules combine into one.
public enum RuleCombination: String, Sendable, Hashable, Codable, CaseIterable {
    /// The earliest due date among the rules whose events are known decides
    /// ("20 years after last contact, or 10 years after death if sooner"). While none is known
    /// the due date waits.
    case earliest
    /// The latest due date of all rules decides; while any rule's event is unknown the due date
    /// waits, since that rule could still make it later.
    case latest
}
