public import struct Foundation.Date

/// A subject-access (UK GDPR Art. 15) or Freedom of Information request in the register.
///
/// The catalog stores the dates (as `YYYY-MM-DD`) and never computes with them (the due date comes
/// from the Retention module's `RequestClock`).
public struct RequestRecord: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case sar, foi }
    public var id: Int64?
    public var kind: Kind
    public var receivedOn: CivilDate
    /// The statutory due date: one calendar month for a SAR, 20 working days for FOI, as moved by
    /// stops and the extension. While the clock is stopped, the date that was due when it stopped.
    public var dueOn: CivilDate
    public var reference: String?
    public var closedOn: CivilDate?
    /// The day the clock was stopped, while it is.
    public var pausedOn: CivilDate?
    /// What the requester was asked for, while the clock is stopped: `clarification`, `identity`, `fee`.
    public var pauseReason: String?
    /// The day the deadline was extended, if it was.
    public var extendedOn: CivilDate?
    /// How many changes the request has had since it was registered: a change is recorded only on the
    /// revision it was computed from (see ``Catalog/recordRequestEvent(_:updating:audit:)``).
    public var revision: Int64

    public init(id: Int64? = nil, kind: Kind, receivedOn: CivilDate, dueOn: CivilDate, reference: String? = nil, closedOn: CivilDate? = nil,
                pausedOn: CivilDate? = nil, pauseReason: String? = nil, extendedOn: CivilDate? = nil, revision: Int64 = 0) {
        self.id = id
        self.kind = kind
        self.receivedOn = receivedOn
        self.dueOn = dueOn
        self.reference = reference
        self.closedOn = closedOn
        self.pausedOn = pausedOn
        self.pauseReason = pauseReason
        self.extendedOn = extendedOn
        self.revision = revision
    }
}

/// One change to a request's clock, kept so that the register can show how its due date moved.
public struct RequestEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The clock stopped: the requester was asked for something (``RequestEvent/reason``).
        case pause
        /// The clock started again: the requester supplied it.
        case resume
        /// The deadline was extended (``RequestEvent/reason`` says why).
        case extend
        /// The request was answered (or, paused, abandoned).
        case close
    }

    public var id: Int64?
    public var request: Int64
    public var kind: Kind
    /// The day it happened.
    public var on: CivilDate
    /// For a pause, what was asked for; for an extension, why; for a resume, the reason of the pause it ends.
    public var reason: String?
    /// The due date after this change.
    public var dueOn: CivilDate
    public var actor: String
    public var recordedAt: Date

    public init(id: Int64? = nil, request: Int64, kind: Kind, on: CivilDate, reason: String? = nil, dueOn: CivilDate, actor: String,
                recordedAt: Date) {
        self.id = id
        self.request = request
        self.kind = kind
        self.on = on
        self.reason = reason
        self.dueOn = dueOn
        self.actor = actor
        self.recordedAt = recordedAt
    }
}

/// What to count for published figures.
public enum AggregateMeasure: String, Sendable, CaseIterable, Codable {
    /// Recordings made, by retention class.
    case recordings
    /// Consent scopes given (afresh or again after a withdrawal; not renewals), by scope, in the month recorded.
    case consents
    /// Consent scopes withdrawn, by scope, in the month the withdrawal was recorded.
    case withdrawals
    /// Recordings destroyed, by retention class.
    case destructions
    /// Successful accesses to recordings (audit `get` ok), by role.
    case accesses
    /// Refused accesses, by role.
    case refusals
    /// Requests registered, by type (sar, foi), in the month they were recorded.
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
