import Foundation
import Hummingbird
import Retention
import SessionVault

/// `GET /api/recordings`, `GET /api/recordings/{id}`, `GET /api/recordings/{id}/audit`.
struct RecordingRoutes: Sendable {
    let access: RecordingAccess
    var vault: Vault { access.vault }

    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("recordings", use: list)
        group.get("recordings/:id", use: detail)
        group.get("recordings/:id/audit", use: auditTrail)
    }

    /// Lists what the caller may see; filters: `pseudonym`, `class`, `session`, `clinician`, `since` and `until` (YYYY-MM-DD, the
    /// day the recording was stored, both included), `limit`.
    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let staff = try StaffRequest(user: try context.requireUser(), actor: context.actor)
        let query = request.uri.queryParameters
        var filter = RecordingFilter()
        filter.patient = query.get("pseudonym").map({ String($0) })
        filter.retentionClass = query.get("class").map({ String($0) })
        filter.session = query.get("session").map({ String($0) })
        filter.clinician = query.get("clinician").map({ String($0) })
        if let since = query.get("since") {
            guard let day = CivilDate(String(since)) else { throw APIError(.badRequest, "since must be YYYY-MM-DD") }
            filter.since = day.startOfDayUTC
        }
        if let until = query.get("until") {
            guard let day = CivilDate(String(until)) else { throw APIError(.badRequest, "until must be YYYY-MM-DD") }
            // The whole of that day (UTC days have no leap seconds in the catalog's clock).
            filter.until = day.startOfDayUTC.addingTimeInterval(86_400)
        }
        var limit = 500
        if let text = query.get("limit") {
            guard let value = Int(text), (1...5000).contains(value) else { throw APIError(.badRequest, "limit must be 1-5000") }
            limit = value
        }
        let listings = try await vault.listRecordings(for: staff, filter: filter, limit: limit, policy: access.policy)
        let today = vault.clock()
        let items = listings.map { RecordingSummaryJSON($0.record, scopes: $0.scopes, today: today) }
        return try JSONResponse.make(ListJSON(count: items.count, items: items))
    }

    @Sendable func detail(_ request: Request, context: APIRequestContext) async throws -> Response {
        let staff = try context.staffRequest(request)
        let idText = try context.parameters.require("id")
        let record = try await access.resolve(idText, request: staff, action: .metadata)
        let detail = try await access.answering(record) { try await vault.recordingDetail(record, for: staff) }
        let today = vault.clock()
        let id = record.id.description
        let body = RecordingDetailJSON(
            recording: RecordingSummaryJSON(record, scopes: detail.scopes, today: today), chunkCount: record.chunkCount, chunkSize: record.chunkSize,
            wrappedFor: detail.wrappedFor,
            consent: detail.consents.map { .init(scope: $0.scope, givenOn: $0.givenOn, withdrawnOn: $0.withdrawnOn, active: $0.isActive,
                                                 otherParticipants: $0.otherParticipants) },
            retention: .init(dueOn: record.dueOn, daysUntilDisposal: DisposalDays.until(record.dueOn, today: today),
                             disposition: record.disposition, rule: record.retentionRule, held: detail.held),
            reviewCopy: detail.reviewCopy?.id.description,
            links: ["content": "/api/recordings/\(id)/content", "review": "/api/recordings/\(id)/review", "audit": "/api/recordings/\(id)/audit"])
        return try JSONResponse.make(body)
    }

    /// Who accessed the recording (the audit entries that name it).
    @Sendable func auditTrail(_ request: Request, context: APIRequestContext) async throws -> Response {
        let staff = try context.staffRequest(request)
        let record = try await access.resolve(try context.parameters.require("id"), request: staff, action: .auditView)
        let entries = try await access.answering(record) { try await vault.auditTrail(of: record, for: staff) }.map { entry in
            AuditEntryJSON(sequence: entry.sequence, time: entry.time, actor: entry.draft.actor, role: entry.draft.role, action: entry.draft.action,
                           purpose: entry.draft.purpose, outcome: entry.draft.outcome, detail: entry.draft.detail,
                           breakGlass: entry.draft.purpose?.hasPrefix("break-glass") == true)
        }
        return try JSONResponse.make(ListJSON(count: entries.count, items: entries))
    }
}
