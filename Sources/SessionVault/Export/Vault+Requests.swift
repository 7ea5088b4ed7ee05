import Foundation
public import Retention
public import VaultIndex

/// The register of subject-access and FOI requests: every change to a request's clock is checked and
/// its due date recomputed by ``RequestClock`` (Retention), then recorded with its audit entry in one
/// catalog transaction.
extension Vault {
    /// Registers a subject-access or FOI request and computes its statutory due date: one
    /// calendar month for a SAR, 20 working days for FOI (weekends and England and Wales bank
    /// holidays excluded). `extended` takes the extension at once (a complex SAR: three months; FOI:
    /// 20 more working days), recorded as a change on the day of receipt.
    public func addRequest(kind: RequestRecord.Kind, received day: CivilDate, extended: Bool = false, reference: String? = nil,
                           by authority: Authority) async throws(VaultError) -> RequestRecord {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .requests)
            try AuditText.check(reference, field: "request reference")
            guard day <= CivilDate(clock()) else { throw VaultError.invalidArgument("the day of receipt \(day) is in the future") }
            var requestClock = RequestClock(regime: Self.regime(kind), received: day)
            var events: [RequestEvent] = []
            if extended {
                try? requestClock.extend(on: day)  // cannot fail on a new clock, on its day of receipt
                events.append(RequestEvent(request: 0, kind: .extend, on: day, reason: "registered extended",
                                           dueOn: requestClock.dueOfFinishedStops, actor: actor, recordedAt: clock()))
            }
            let due = requestClock.dueOfFinishedStops
            var record = RequestRecord(kind: kind, receivedOn: day, dueOn: due, reference: reference,
                                       extendedOn: extended ? day : nil, revision: Int64(events.count))
            record.id = try await catalog.addRequest(record, events: events, audit: AuditDraft(actor: actor, action: .requestAdd, purpose: kind.rawValue,
                                                                                               detail: "received \(day), due \(due)"
                                                                                                   + (extended ? ", extended" : "")))
            return record
        }
    }

    /// Stops a request's clock on `on` (default today), the day the requester was asked for `reason`.
    /// A SAR's clarification pauses it; its identity or fee, and an FOI clarification, restart it when
    /// they arrive; an FOI fee notice pauses it; identity does not apply to FOI (see ``RequestClock``).
    /// Refused once the deadline has passed. Audited `request.pause`.
    @discardableResult
    public func pauseRequest(_ id: Int64, reason: RequestClock.StopReason, on day: CivilDate? = nil,
                             by authority: Authority) async throws(VaultError) -> RequestStatus {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .requests)
            return try await changeRequest(id, on: day, kind: .pause, reason: reason.rawValue, action: .requestPause, actor: actor) {
                (clock, day) throws(RequestClockError) in try clock.stop(reason, on: day)
            } detail: { before, after, day in
                "\(reason.rawValue) asked for on \(day); was due \(before.dueOfFinishedStops)"
            }
        }
    }

    /// Starts a stopped clock again on `on` (default today), the day the requester supplied what they
    /// were asked for. Audited `request.resume`.
    @discardableResult
    public func resumeRequest(_ id: Int64, on day: CivilDate? = nil, by authority: Authority) async throws(VaultError) -> RequestStatus {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .requests)
            return try await changeRequest(id, on: day, kind: .resume, reason: nil, action: .requestResume, actor: actor) {
                (clock, day) throws(RequestClockError) in try clock.resume(on: day)
            } detail: { before, after, day in
                "\(before.openStop?.reason.rawValue ?? "information") received on \(day); due \(after.dueOfFinishedStops)"
            }
        }
    }

    /// Extends a request's deadline, decided on `on` (default today), for `reason` (no patient
    /// identifiers): a SAR by two months (three from the relevant time, UK GDPR Art. 12(3)), FOI by
    /// 20 working days (s.10(3), the ICO's "reasonable" public-interest extension). Once, and not
    /// after the deadline has passed. Audited `request.extend`.
    @discardableResult
    public func extendRequest(_ id: Int64, reason: String, on day: CivilDate? = nil, by authority: Authority) async throws(VaultError) -> RequestStatus {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .requests)
            try AuditText.check(reason, field: "extension reason")
            let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !reason.isEmpty, reason.count <= 500, !reason.contains(where: \.isNewline) else {
                throw VaultError.invalidArgument("--reason must say why the deadline is extended: one line of at most 500 characters")
            }
            return try await changeRequest(id, on: day, kind: .extend, reason: reason, action: .requestExtend, actor: actor) {
                (clock, day) throws(RequestClockError) in try clock.extend(on: day)
            } detail: { before, after, day in
                "extended on \(day): \(reason); due \(before.dueOfFinishedStops) -> \(after.dueOfFinishedStops)"
            }
        }
    }

    /// Closes a request on `on` (default today), the day it was answered: not before it was received,
    /// not after today. A paused request can be closed (a requester who never sent what was asked
    /// for); the pause stays open in its timeline. Audited `request.close`.
    @discardableResult
    public func closeRequest(_ id: Int64, on day: CivilDate? = nil, by authority: Authority) async throws(VaultError) -> RequestStatus {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .requests)
            return try await changeRequest(id, on: day, kind: .close, reason: nil, action: .requestClose, actor: actor) {
                (clock, day) throws(RequestClockError) in try clock.close(on: day)
            } detail: { before, after, day in
                "answered \(day)" + (before.openStop.map { "; closed while paused for \($0.reason.rawValue) since \($0.from)" } ?? "")
            }
        }
    }

    /// The register on today's date: open requests (and closed ones with `includeClosed`), overdue
    /// first, then by days left, then paused, then closed.
    public func requestRegister(includeClosed: Bool = false) async throws(VaultError) -> [RequestStatus] {
        try await vaultBoundary {
            let today = CivilDate(clock())
            return try await catalog.requests(openOnly: !includeClosed).map { RequestStatus($0, today: today) }
                .sorted(by: RequestStatus.registerOrder)
        }
    }

    /// Open requests past their due date today, the longest overdue first (a paused one is not: its clock is stopped).
    public func overdueRequests() async throws(VaultError) -> [RequestStatus] {
        try await vaultBoundary {
            try await requestRegister().filter { $0.state == .overdue }
        }
    }

    /// A request with every change to its clock, in order.
    public func requestTimeline(_ id: Int64) async throws(VaultError) -> RequestTimeline {
        try await vaultBoundary {
            guard let record = try await catalog.request(id) else { throw VaultError.requestNotFound(id) }
            return RequestTimeline(request: RequestStatus(record, today: CivilDate(clock())), events: try await catalog.requestEvents(id))
        }
    }

    // MARK: - One change

    private func changeRequest(
        _ id: Int64, on given: CivilDate?, kind: RequestEvent.Kind, reason: String?, action: AuditAction, actor: String,
        _ change: (inout RequestClock, CivilDate) throws(RequestClockError) -> Void,
        detail: (_ before: RequestClock, _ after: RequestClock, _ day: CivilDate) -> String
    ) async throws -> RequestStatus {
        let today = CivilDate(clock())
        let day = given ?? today
        guard day <= today else {
            throw VaultError.invalidArgument("\(day) is after today: a change is recorded once it has happened")
        }
        guard let record = try await catalog.request(id) else { throw VaultError.requestNotFound(id) }
        let before = try Self.replay(record, try await catalog.requestEvents(id))
        var after = before
        do throws(RequestClockError) {
            try change(&after, day)
        } catch {
            throw VaultError.requestRefused(id: id, error)
        }
        var updated = record
        updated.dueOn = after.dueOfFinishedStops
        updated.pausedOn = after.openStop?.from
        updated.pauseReason = after.openStop?.reason.rawValue
        updated.extendedOn = after.extendedOn
        updated.closedOn = after.closedOn
        let event = RequestEvent(request: id, kind: kind, on: day, reason: reason ?? before.openStop?.reason.rawValue,
                                 dueOn: updated.dueOn, actor: actor, recordedAt: clock())
        try await catalog.recordRequestEvent(event, updating: updated, audit: AuditDraft(actor: actor, action: action, target: "request:\(id)",
                                                                                           purpose: record.kind.rawValue,
                                                                                           detail: detail(before, after, day)))
        updated.revision += 1
        return RequestStatus(updated, today: today)
    }

    /// The clock of `record` with its recorded changes applied in order; a history its own rules
    /// refuse is a corrupt catalog.
    static func replay(_ record: RequestRecord, _ events: [RequestEvent]) throws(VaultError) -> RequestClock {
        var clock = RequestClock(regime: regime(record.kind), received: record.receivedOn)
        for event in events {
            let day = event.on
            let stopReason = event.reason.flatMap(RequestClock.StopReason.init(rawValue:))
            if event.kind == .pause, stopReason == nil {
                throw .catalogFailed(.corruptRow(table: "request_events", id: String(event.id ?? 0), reason: "a pause without its reason"))
            }
            do throws(RequestClockError) {
                switch event.kind {
                case .pause: try clock.stop(stopReason ?? .clarification, on: day)
                case .resume: try clock.resume(on: day)
                case .extend: try clock.extend(on: day)
                case .close: try clock.close(on: day)
                }
            } catch {
                throw .catalogFailed(.corruptRow(table: "request_events", id: String(event.id ?? 0), reason: "the history breaks its rules: \(error)"))
            }
        }
        return clock
    }

    static func regime(_ kind: RequestRecord.Kind) -> RequestClock.Regime {
        switch kind {
        case .sar: .subjectAccess
        case .foi: .freedomOfInformation
        }
    }
}
