public import Retention
public import VaultIndex

/// A request in the register as it stands on one day: its dates, whether its clock runs, and how
/// many days are left.
public struct RequestStatus: Sendable, Hashable, Codable {
    /// Where the request stands.
    public enum State: String, Sendable, Hashable, Codable {
        /// Open and past its due date.
        case overdue
        /// Open, the clock running, due today or later.
        case open
        /// Open, the clock stopped while the requester is asked for something.
        case paused
        /// Answered (or abandoned while paused).
        case closed
    }

    public var id: Int64
    public var kind: RequestRecord.Kind
    public var reference: String?
    public var receivedOn: CivilDate
    /// The due date; while paused, the date that was due when the clock stopped.
    public var dueOn: CivilDate
    public var state: State
    /// Days from today to the due date (0: due today; negative: overdue by that many); nil when paused or closed.
    public var daysLeft: Int?
    public var pausedOn: CivilDate?
    public var pauseReason: RequestClock.StopReason?
    public var extendedOn: CivilDate?
    public var closedOn: CivilDate?

    /// The status of `record` on `today`.
    init(_ record: RequestRecord, today: CivilDate) {
        id = record.id ?? 0
        kind = record.kind
        reference = record.reference
        receivedOn = record.receivedOn
        dueOn = record.dueOn
        pausedOn = record.pausedOn
        pauseReason = record.pauseReason.flatMap(RequestClock.StopReason.init(rawValue:))
        extendedOn = record.extendedOn
        closedOn = record.closedOn
        if closedOn != nil {
            state = .closed
        } else if pausedOn != nil {
            state = .paused
        } else {
            daysLeft = today.days(to: dueOn)
            state = dueOn < today ? .overdue : .open
        }
    }

    /// The register's order: overdue first (the longest overdue first), then open by due date, then
    /// paused by the day they stopped, then closed (the latest first); ids break ties.
    static func registerOrder(_ a: RequestStatus, _ b: RequestStatus) -> Bool {
        func rank(_ s: RequestStatus) -> Int {
            switch s.state {
            case .overdue: 0
            case .open: 1
            case .paused: 2
            case .closed: 3
            }
        }
        if rank(a) != rank(b) { return rank(a) < rank(b) }
        switch a.state {
        case .overdue, .open: if a.dueOn != b.dueOn { return a.dueOn < b.dueOn }
        case .paused: if a.pausedOn != b.pausedOn { return (a.pausedOn ?? .min) < (b.pausedOn ?? .min) }
        case .closed: if a.closedOn != b.closedOn { return (a.closedOn ?? .min) > (b.closedOn ?? .min) }
        }
        return a.id < b.id
    }
}

/// A request and every change to its clock, for `request show`.
public struct RequestTimeline: Sendable, Hashable, Codable {
    public var request: RequestStatus
    public var events: [RequestEvent]
}
