/// A subject-access (UK GDPR Art. 15) or Freedom of Information request in the register.
public struct RequestRecord: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case sar, foi }
    public var id: Int64?
    public var kind: Kind
    public var receivedOn: String
    /// The statutory due date: one calendar month for a SAR, 20 working days for FOI.
    public var dueOn: String
    public var reference: String?
    public var closedOn: String?

    public init(id: Int64? = nil, kind: Kind, receivedOn: String, dueOn: String, reference: String? = nil, closedOn: String? = nil) {
        self.id = id
        self.kind = kind
        self.receivedOn = receivedOn
        self.dueOn = dueOn
        self.reference = reference
        self.closedOn = closedOn
    }
}

/// What to count for published figures.
public enum AggregateMeasure: String, Sendable, CaseIterable, Codable {
    /// Recordings made, by retention class.
    case recordings
    /// Consent scopes given, by scope.
    case consents
    /// Consent scopes withdrawn, by scope.
    case withdrawals
    /// Recordings destroyed, by retention class.
    case destructions
    /// Successful accesses to recordings (audit `get` ok), by role.
    case accesses
    /// Refused accesses, by role.
    case refusals
    /// Requests received, by type (sar, foi).
    case requests
}

/// One count for one category in one month.
public struct MonthlyCount: Sendable, Hashable, Codable {
    public var category: String
    public var month: String
    public var count: Int

    public init(category: String, month: String, count: Int) {
        self.category = category
        self.month = month
        self.count = count
    }
}
