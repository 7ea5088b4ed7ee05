/// Why a change to a request's clock is refused: each names the rule it would break and the days
/// involved, never the requester.
public enum RequestClockError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A day before the request was received.
    case beforeReceipt(day: CivilDate, received: CivilDate)
    /// A day before the latest change already recorded: the timeline only moves forward.
    case outOfOrder(day: CivilDate, latest: CivilDate)
    /// The deadline has passed: a clock that has run out cannot be stopped or extended.
    case overdue(day: CivilDate, due: CivilDate)
    /// The clock is already stopped.
    case alreadyStopped(reason: RequestClock.StopReason, since: CivilDate)
    /// A resume when the clock is running.
    case notStopped
    /// The one extension the law allows was already taken.
    case alreadyExtended(on: CivilDate)
    /// A reason that does not stop this kind of clock (FOI is applicant-blind: no identity check).
    case notApplicable(reason: RequestClock.StopReason, regime: RequestClock.Regime)
    /// The request is closed: nothing changes after that.
    case closed(on: CivilDate)

    public var description: String {
        switch self {
        case .beforeReceipt(let day, let received):
            "\(day) is before the request was received (\(received))"
        case .outOfOrder(let day, let latest):
            "\(day) is before the latest change already recorded (\(latest)): the timeline only moves forward"
        case .overdue(let day, let due):
            "the deadline \(due) has passed by \(day): an overdue request can no longer be paused or extended; answer it"
        case .alreadyStopped(let reason, let since):
            "the clock is already stopped for \(reason.rawValue) since \(since); resume it first"
        case .notStopped:
            "the clock is running: there is no pause to resume"
        case .alreadyExtended(let on):
            "the deadline was already extended on \(on); the law allows one extension"
        case .notApplicable(let reason, let regime):
            "\(reason.rawValue) does not stop the clock of \(regime == .freedomOfInformation ? "an FOI" : "a subject access") request"
                + (regime == .freedomOfInformation && reason == .identity
                    ? " (FOI is applicant-blind: FOIA s.1(3) allows asking only for what identifies and locates the information)" : "")
        case .closed(let on):
            "the request was closed on \(on)"
        }
    }
}
