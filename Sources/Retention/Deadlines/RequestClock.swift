/// The statutory clock of one subject-access or FOI request: received, stopped and resumed, extended,
/// closed, with the rules each change must follow and the due date they lead to.
///
/// A request's history replays into a clock one change at a time; each change is checked against the
/// clock as it then stood, so the same rules refuse a bad change now and explain an old one. Days
/// only move forward: a change dated before the latest one is refused.
///
/// What a stop does depends on the law and the reason (see ``StatutoryDeadline``):
///
/// | | subject access (UK GDPR Art. 12A) | FOI (FOIA s.10) |
/// |---|---|---|
/// | `clarification` | paused: the days from asking to the answer, both included, do not count | restarted: 20 working days from the day the answer arrived (s.1(3), s.10(6)(b)) |
/// | `identity` | restarted: one month from the day the proof arrived | refused: FOI is applicant-blind |
/// | `fee` | restarted: one month from the day the fee arrived | paused: the working days from the fees notice to the fee, both included, do not count (s.10(2)) |
///
/// The extension is allowed once, on or before the due date (or while the clock is stopped): two
/// further months for a subject access request (three months from the relevant time, Art. 12(3)), 20
/// further working days for FOI (the ICO's "reasonable" public-interest extension under s.10(3)).
public struct RequestClock: Sendable, Hashable {
    /// Which law sets the clock.
    public enum Regime: String, Sendable, Hashable, CaseIterable {
        /// UK GDPR Art. 15 subject access: one calendar month.
        case subjectAccess = "sar"
        /// Freedom of Information Act 2000: 20 working days.
        case freedomOfInformation = "foi"
    }

    /// Why the clock was stopped: what the requester was asked for.
    public enum StopReason: String, Sendable, Hashable, CaseIterable, Codable {
        /// Further information to identify what the request is about.
        case clarification
        /// Proof of the requester's identity (subject access only).
        case identity
        /// A fee (a subject access request that is manifestly unfounded or excessive; an FOI fees notice).
        case fee
    }

    /// One stop of the clock: from the day the requester was asked to the day they answered (nil
    /// while waiting).
    public struct Stop: Sendable, Hashable {
        public var reason: StopReason
        public var from: CivilDate
        public var until: CivilDate?
    }

    public let regime: Regime
    public let received: CivilDate
    public let regions: Set<BankHolidayRegion>
    /// Every stop so far, in order; only the last can be open.
    public private(set) var stops: [Stop] = []
    /// The day the extension was decided, if it was.
    public private(set) var extendedOn: CivilDate?
    /// The day the request was closed, if it was.
    public private(set) var closedOn: CivilDate?
    /// The latest day a change happened on.
    public private(set) var latest: CivilDate

    /// A clock started by a request received on `received`; `regions` as for ``StatutoryDeadline``.
    public init(regime: Regime, received: CivilDate, regions: Set<BankHolidayRegion> = [.englandAndWales]) {
        self.regime = regime
        self.received = received
        self.regions = regions
        self.latest = received
    }

    /// The stop the clock is waiting on, if any.
    public var openStop: Stop? { stops.last.flatMap { $0.until == nil ? $0 : nil } }

    /// The last day to answer; nil while the clock is stopped.
    public var due: CivilDate? { openStop == nil ? dueOfFinishedStops : nil }

    /// The due date counting only finished stops: while stopped, the date that was due when the clock
    /// stopped (a register keeps it to show; it is not a deadline until the clock runs again).
    public var dueOfFinishedStops: CivilDate {
        let finished = stops.compactMap { stop in stop.until.map { (reason: stop.reason, range: stop.from...$0) } }
        switch regime {
        case .subjectAccess:
            // The relevant time: the latest of receipt, identity proof and fee.
            let start = finished.filter { $0.reason != .clarification }.map(\.range.upperBound).reduce(received, max)
            let paused = finished.filter { $0.reason == .clarification }.reduce(0) { days, stop in
                days + max(0, max(stop.range.lowerBound, start).days(to: stop.range.upperBound) + 1)
            }
            return StatutoryDeadline.subjectAccess(start: start, extended: extendedOn != nil, clarificationDays: paused, regions: regions)
        case .freedomOfInformation:
            // s.10(6)(b): the date of receipt is the day the further information arrived.
            let start = finished.filter { $0.reason == .clarification }.map(\.range.upperBound).reduce(received, max)
            let disregarded = finished.filter { $0.reason == .fee }.map(\.range)
            return StatutoryDeadline.foi(start: start, extended: extendedOn != nil, disregarded: disregarded, regions: regions)
        }
    }

    /// Stops the clock on `day`, the day the requester was asked for `reason`.
    public mutating func stop(_ reason: StopReason, on day: CivilDate) throws(RequestClockError) {
        try checkOpen(day)
        if let open = openStop { throw .alreadyStopped(reason: open.reason, since: open.from) }
        if regime == .freedomOfInformation, reason == .identity { throw .notApplicable(reason: reason, regime: regime) }
        let due = dueOfFinishedStops
        guard day <= due else { throw .overdue(day: day, due: due) }
        stops.append(Stop(reason: reason, from: day))
        latest = day
    }

    /// Starts the clock again on `day`, the day the requester supplied what they were asked for.
    public mutating func resume(on day: CivilDate) throws(RequestClockError) {
        try checkOpen(day)
        guard openStop != nil else { throw .notStopped }
        stops[stops.count - 1].until = day
        latest = day
    }

    /// Extends the deadline, decided on `day`: once, and not after the deadline has passed.
    public mutating func extend(on day: CivilDate) throws(RequestClockError) {
        try checkOpen(day)
        if let extendedOn { throw .alreadyExtended(on: extendedOn) }
        // While stopped the clock is not running, so the deadline cannot pass; the stop itself was
        // refused after the deadline.
        if openStop == nil {
            let due = dueOfFinishedStops
            guard day <= due else { throw .overdue(day: day, due: due) }
        }
        extendedOn = day
        latest = day
    }

    /// Closes the request on `day`, the day it was answered (or, stopped, abandoned by the requester).
    public mutating func close(on day: CivilDate) throws(RequestClockError) {
        try checkOpen(day)
        closedOn = day
        latest = day
    }

    private func checkOpen(_ day: CivilDate) throws(RequestClockError) {
        if let closedOn { throw .closed(on: closedOn) }
        guard day >= received else { throw .beforeReceipt(day: day, received: received) }
        guard day >= latest else { throw .outOfOrder(day: day, latest: latest) }
    }
}
