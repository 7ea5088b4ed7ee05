import Foundation
import Retention
import Testing
@testable import SessionVault
import VaultIndex

/// The request register after registration: clocks that stop and restart, extensions, closes, the
/// timeline, and the register's order (issue #17 item 10).
@Suite("The request register", .timeLimit(.minutes(30)))
struct RequestRegisterTests {
    static let officer = "officer:rita"

    /// The clock rule a refused change broke, or nil (recorded as an issue) when it was not refused that way.
    static func refusal(_ body: () async throws -> Void) async -> RequestClockError? {
        do {
            try await body()
            Issue.record("the change was not refused")
        } catch let error as VaultError where error.code == .requestRefused {
            return error.cause as? RequestClockError
        } catch {
            Issue.record("refused otherwise: \(error)")
        }
        return nil
    }

    @Test func aClarificationPausesASubjectAccessClockAndTheTimelineKeepsIt() async throws {
        let clock = TestClock("2026-02-10")
        let t = try await TestVault.make(clock: clock.function)
        defer { t.remove() }
        let id = try #require(try await t.vault.addRequest(kind: .sar, received: "2026-01-31", by: .unproven(Self.officer)).id)
        let paused = try await t.vault.pauseRequest(id, reason: .clarification, on: "2026-02-02", by: .unproven(Self.officer))
        #expect(paused.state == .paused && paused.daysLeft == nil && paused.pausedOn == CivilDate("2026-02-02"))
        #expect(try await t.vault.overdueRequests().isEmpty)
        // 28 February + 3 days (2 to 4 February): Tuesday 3 March, 21 days from 10 February.
        let resumed = try await t.vault.resumeRequest(id, on: "2026-02-04", by: .unproven(Self.officer))
        #expect(resumed.state == .open && resumed.dueOn == CivilDate("2026-03-03") && resumed.daysLeft == 21)

        let timeline = try await t.vault.requestTimeline(id)
        #expect(timeline.request == resumed)
        #expect(timeline.events.map(\.kind) == [.pause, .resume])
        #expect(timeline.events.map(\.on) == ["2026-02-02", "2026-02-04"])
        #expect(timeline.events.map(\.dueOn) == ["2026-03-02", "2026-03-03"])
        #expect(timeline.events.map(\.reason) == ["clarification", "clarification"])
        #expect(timeline.events.allSatisfy { $0.actor == Self.officer })
        let audit = try await t.vault.catalog.auditEntries(matching: AuditFilter(targets: ["request:\(id)"]))
        #expect(audit.map(\.draft.action) == ["request.add", "request.pause", "request.resume"])
        #expect(audit.allSatisfy { $0.draft.actor == Self.officer })
        #expect(audit.last?.draft.detail == "clarification received on 2026-02-04; due 2026-03-03")
    }

    @Test func identityRestartsASubjectAccessMonthAndAnFOIClarificationItsTwentyWorkingDays() async throws {
        let clock = TestClock("2026-04-10")
        let t = try await TestVault.make(clock: clock.function)
        defer { t.remove() }
        let sar = try #require(try await t.vault.addRequest(kind: .sar, received: "2026-03-02", by: .unproven("test")).id)
        try await t.vault.pauseRequest(sar, reason: .identity, on: "2026-03-03", by: .unproven("test"))
        #expect(try await t.vault.resumeRequest(sar, on: "2026-03-31", by: .unproven("test")).dueOn == CivilDate("2026-04-30"))
        let foi = try #require(try await t.vault.addRequest(kind: .foi, received: "2026-03-27", by: .unproven("test")).id)
        #expect(await Self.refusal { try await t.vault.pauseRequest(foi, reason: .identity, on: "2026-03-30", by: .unproven("test")) }
                == .notApplicable(reason: .identity, regime: .freedomOfInformation))
        try await t.vault.pauseRequest(foi, reason: .clarification, on: "2026-03-30", by: .unproven("test"))
        #expect(try await t.vault.resumeRequest(foi, on: "2026-04-02", by: .unproven("test")).dueOn == CivilDate("2026-05-05"))
    }

    @Test func anExtensionIsRefusedAfterTheDeadlineOrASecondTimeAndNeedsAReason() async throws {
        let clock = TestClock("2026-02-06")
        let t = try await TestVault.make(clock: clock.function)
        defer { t.remove() }
        let late = try #require(try await t.vault.addRequest(kind: .sar, received: "2026-01-05", by: .unproven("test")).id)
        #expect(await Self.refusal { try await t.vault.extendRequest(late, reason: "complex", by: .unproven("test")) }
                == .overdue(day: CivilDate("2026-02-06"), due: CivilDate("2026-02-05")))
        #expect(await Self.refusal { try await t.vault.pauseRequest(late, reason: .clarification, by: .unproven("test")) }
                == .overdue(day: CivilDate("2026-02-06"), due: CivilDate("2026-02-05")))
        // On the deadline day it is not yet overdue.
        #expect(try await t.vault.extendRequest(late, reason: "complex", on: "2026-02-05", by: .unproven("test")).dueOn == CivilDate("2026-04-07"))

        let sar = try #require(try await t.vault.addRequest(kind: .sar, received: "2026-01-20", by: .unproven("test")).id)
        await expectVaultError(.invalidArgument) { try await t.vault.extendRequest(sar, reason: "  ", by: .unproven("test")) }
        let extended = try await t.vault.extendRequest(sar, reason: "records held by three services", by: .unproven("test"))
        #expect(extended.dueOn == CivilDate("2026-04-20") && extended.extendedOn == CivilDate("2026-02-06"))
        #expect(await Self.refusal { try await t.vault.extendRequest(sar, reason: "again", by: .unproven("test")) } == .alreadyExtended(on: CivilDate("2026-02-06")))
        #expect(try await t.vault.requestTimeline(sar).events.map(\.kind) == [.extend])

        let foi = try #require(try await t.vault.addRequest(kind: .foi, received: "2026-01-20", by: .unproven("test")).id)
        #expect(try await t.vault.requestTimeline(foi).request.dueOn == CivilDate("2026-02-17"))
        #expect(try await t.vault.extendRequest(foi, reason: "public interest test", by: .unproven("test")).dueOn == CivilDate("2026-03-17"))
        let audit = try await t.vault.catalog.auditEntries(matching: AuditFilter(targets: ["request:\(foi)"]))
        #expect(audit.last?.draft.action == "request.extend")
        #expect(audit.last?.draft.detail == "extended on 2026-02-06: public interest test; due 2026-02-17 -> 2026-03-17")
    }

    @Test func aCloseIsNeverBeforeReceiptNorAfterTodayAndMayEndAPause() async throws {
        let clock = TestClock("2026-05-01")
        let t = try await TestVault.make(clock: clock.function)
        defer { t.remove() }
        let id = try #require(try await t.vault.addRequest(kind: .sar, received: "2026-04-01", by: .unproven("test")).id)
        #expect(await Self.refusal { try await t.vault.closeRequest(id, on: "2026-03-31", by: .unproven("test")) }
                == .beforeReceipt(day: CivilDate("2026-03-31"), received: CivilDate("2026-04-01")))
        do {
            try await t.vault.closeRequest(id, on: "2026-05-02", by: .unproven("test"))
            Issue.record("closed after today")
        } catch {
            #expect(error.code == .invalidArgument, "\(error)")
            #expect(error.message.contains("after today"))
        }
        try await t.vault.pauseRequest(id, reason: .identity, on: "2026-04-02", by: .unproven("test"))
        #expect(await Self.refusal { try await t.vault.resumeRequest(id, on: "2026-04-01", by: .unproven("test")) }
                == .outOfOrder(day: CivilDate("2026-04-01"), latest: CivilDate("2026-04-02")))
        // The requester never sent proof of identity: the request is closed while paused.
        let closed = try await t.vault.closeRequest(id, on: "2026-04-30", by: .unproven("test"))
        #expect(closed.state == .closed && closed.closedOn == CivilDate("2026-04-30"))
        #expect(await Self.refusal { try await t.vault.resumeRequest(id, by: .unproven("test")) } == .closed(on: CivilDate("2026-04-30")))
        let audit = try await t.vault.catalog.auditEntries(matching: AuditFilter(targets: ["request:\(id)"]))
        #expect(audit.last?.draft.detail == "answered 2026-04-30; closed while paused for identity since 2026-04-02")
        do {
            try await t.vault.pauseRequest(99, reason: .fee, by: .unproven("test"))
            Issue.record("paused a request that does not exist")
        } catch {
            #expect(error.code == .requestNotFound, "\(error)")
            #expect(error.number == 99)
        }
    }

    @Test func theRegisterListsOverdueFirstThenByDaysLeftThenPausedByCivilDate() async throws {
        let clock = TestClock("2026-03-10")
        let t = try await TestVault.make(clock: clock.function)
        defer { t.remove() }
        let open = try #require(try await t.vault.addRequest(kind: .sar, received: "2026-03-09", by: .unproven("test")).id)  // due 9 April
        let soon = try #require(try await t.vault.addRequest(kind: .sar, received: "2026-02-10", by: .unproven("test")).id)  // due today
        let overdue = try #require(try await t.vault.addRequest(kind: .foi, received: "2026-01-05", by: .unproven("test")).id)  // due 2 February
        let paused = try #require(try await t.vault.addRequest(kind: .sar, received: "2026-02-20", by: .unproven("test")).id)
        try await t.vault.pauseRequest(paused, reason: .fee, on: "2026-02-21", by: .unproven("test"))
        let closed = try #require(try await t.vault.addRequest(kind: .sar, received: "2026-01-02", by: .unproven("test")).id)
        try await t.vault.closeRequest(closed, on: "2026-01-30", by: .unproven("test"))

        let register = try await t.vault.requestRegister()
        #expect(register.map(\.id) == [overdue, soon, open, paused])
        #expect(register.map(\.state) == [.overdue, .open, .open, .paused])
        #expect(register.map(\.daysLeft) == [-36, 0, 30, nil])
        #expect(try await t.vault.requestRegister(includeClosed: true).map(\.id) == [overdue, soon, open, paused, closed])
        #expect(try await t.vault.overdueRequests().map(\.id) == [overdue])
        // Next January the three running clocks have all run out; the stopped one has not.
        clock.set("2027-01-05")
        #expect(try await t.vault.overdueRequests().map(\.id) == [overdue, soon, open])
    }

    @Test func theCommandLinePausesResumesExtendsShowsAndClosesARequestAsAnOfficer() async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        let today = CivilDate(Date())
        let received = today.advanced(by: -20)
        try await cli.expectOK(["request", "add", "--type", "sar", "--received", received.description, "--ref", "SAR-1"])
        try await cli.expectOK(["request", "add", "--type", "foi", "--received", today.advanced(by: -60).description, "--ref", "FOI-1"])

        let anyone = cli.with(["SESSIONVAULT_OFFICER": "", "USER": "anyone"])
        for command in [["request", "pause", "1", "--reason", "clarification"], ["request", "resume", "1"],
                        ["request", "extend", "1", "--reason", "complex"], ["request", "close", "1"]] {
            let refused = try await anyone.run(command)
            #expect(refused.status == 3 && refused.stderr.contains("an officer must prove who they are"), "\(command): \(refused.stderr)")
        }

        try await cli.expectOK(["request", "pause", "1", "--reason", "clarification", "--on", received.advanced(by: 2).description])
        var listed = try await cli.expectOK(["request", "ls"]).out
        #expect(listed.contains("paused (clarification) since \(received.advanced(by: 2))"), "\(listed)")
        let identity = try await cli.run(["request", "pause", "2", "--reason", "identity"])
        #expect(identity.status == 1 && identity.stderr.contains("applicant-blind"), "\(identity.stderr)")
        let badReason = try await cli.run(["request", "pause", "2", "--reason", "holiday"])
        #expect(badReason.status != 0 && badReason.stderr.contains("clarification, identity or fee"), "\(badReason.stderr)")

        let resumed = try await cli.expectOK(["request", "resume", "1", "--on", received.advanced(by: 5).description]).out
        var expected = RequestClock(regime: .subjectAccess, received: received)
        try expected.stop(.clarification, on: received.advanced(by: 2))
        try expected.resume(on: received.advanced(by: 5))
        #expect(resumed.contains("due \(expected.due!)"), "\(resumed)")
        try await cli.expectOK(["request", "extend", "1", "--reason", "records held by three services"])
        let again = try await cli.run(["request", "extend", "1", "--reason", "still complex"])
        #expect(again.status == 1 && again.stderr.contains("already extended"), "\(again.stderr)")
        let overdue = try await cli.run(["request", "extend", "2", "--reason", "public interest"])
        #expect(overdue.status == 1 && overdue.stderr.contains("has passed"), "\(overdue.stderr)")

        // Overdue first.
        listed = try await cli.expectOK(["request", "ls"]).out
        let rows = listed.split(separator: "\n").dropFirst()
        #expect(rows.first?.contains("FOI-1") == true && rows.first?.contains("OVERDUE by") == true, "\(listed)")
        #expect(listed.contains("1 overdue"), "\(listed)")

        let early = try await cli.run(["request", "close", "1", "--on", received.advanced(by: -1).description])
        #expect(early.status == 1 && early.stderr.contains("before the request was received"), "\(early.stderr)")
        try await cli.expectOK(["request", "close", "1"])
        let shown = try await cli.expectOK(["request", "show", "1"]).out
        for word in ["SAR-1", "closed \(today)", "received", "pause", "resume", "extend", "close", "records held by three services", "officer:rita"] {
            #expect(shown.contains(word), "\(word) in \(shown)")
        }
        let json = try await cli.expectOK(["request", "show", "1", "--json"]).out
        #expect(json.contains("\"kind\" : \"resume\""), "\(json)")
        let missing = try await cli.run(["request", "show", "9"])
        #expect(missing.status == 5 && missing.stderr.contains("no request 9"), "\(missing.stderr)")
        let audit = try await cli.expectOK(["audit", "ls", "--json"]).out
        for action in ["request.pause", "request.resume", "request.extend", "request.close"] {
            #expect(audit.contains("\"action\" : \"\(action)\""), "\(action)")
        }
    }
}
