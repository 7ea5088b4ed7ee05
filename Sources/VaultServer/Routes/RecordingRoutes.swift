import Foundation
import Hummingbird
import SessionVault
import VaultIndex

/// `GET /api/recordings`, `GET /api/recordings/{id}`, `GET /api/recordings/{id}/audit`.
struct RecordingRoutes: Sendable {
    let access: RecordingAccess
    var vault: Vault { access.vault }

    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("recordings", use: list)
        group.get("recordings/:id", use: detail)
        group.get("recordings/:id/audit", use: auditTrail)
    }

    /// Lists what the caller may see; filters: `pseudonym`, `class`, `session`, `clinician`, `since` (YYYY-MM-DD), `limit`.
    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let query = request.uri.queryParameters
        var filter = RecordingFilter()
        filter.patient = query.get("pseudonym").map({ String($0) })
        filter.retentionClass = query.get("class").map({ String($0) })
        filter.session = query.get("session").map({ String($0) })
        filter.clinician = query.get("clinician").map({ String($0) })
        if let since = query.get("since") {
            guard let date = Self.civilDate(String(since)) else { throw APIError(.badRequest, "since must be YYYY-MM-DD") }
            filter.since = date
        }
        var limit = 500
        if let text = query.get("limit") {
            guard let value = Int(text), (1...5000).contains(value) else { throw APIError(.badRequest, "limit must be 1-5000") }
            limit = value
        }
        let records = Array(try await access.visibleRecordings(for: user, filter: filter).prefix(limit))
        var scopesBySession: [String: [String]] = [:]
        var items: [RecordingSummaryJSON] = []
        let today = vault.clock()
        for record in records {
            if scopesBySession[record.session] == nil {
                scopesBySession[record.session] = Array(Set(try await vault.catalog.consents(session: record.session).filter(\.isActive).map(\.scope))).sorted()
            }
            items.append(RecordingSummaryJSON(record, scopes: scopesBySession[record.session] ?? [], today: today))
        }
        try await vault.catalog.appendAudit(AuditDraft(actor: context.actor, role: user.role, action: "list", purpose: "care",
                                                       detail: "\(items.count) recording(s) listed"))
        return try JSONResponse.make(ListJSON(count: items.count, items: items))
    }

    @Sendable func detail(_ request: Request, context: APIRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let purpose = try AccessPurpose.from(request)
        let idText = try context.parameters.require("id")
        let record = try await access.resolve(idText, user: user, purpose: purpose, actor: context.actor, action: "metadata")
        try await access.requireWrap(record, user: user, purpose: purpose, actor: context.actor)
        let consents = try await vault.catalog.consents(session: record.session)
        let scopes = Array(Set(consents.filter(\.isActive).map(\.scope))).sorted()
        let today = vault.clock()
        let review = try await Self.reviewCopy(of: record, catalog: vault.catalog)
        let id = record.id.description
        let wrappedFor = try await vault.catalog.wrapRoles(of: record.id).sorted()
        // Shredded by a sweep since it was resolved? Then it no longer exists (the wraps just read
        // are complete if it is still live: shredding deletes them and the live state at once).
        try await access.requireStillLive(record)
        let body = RecordingDetailJSON(
            recording: RecordingSummaryJSON(record, scopes: scopes, today: today), chunkCount: record.chunkCount, chunkSize: record.chunkSize,
            wrappedFor: wrappedFor,
            consent: consents.map { .init(scope: $0.scope, givenOn: $0.givenOn, withdrawnOn: $0.withdrawnOn, active: $0.isActive,
                                          otherParticipants: $0.otherParticipants) },
            retention: .init(dueOn: record.dueOn, daysUntilDisposal: DisposalDays.until(record.dueOn, today: today),
                             disposition: record.disposition, rule: record.retentionRule, held: try await vault.catalog.isHeld(record.id)),
            reviewCopy: review?.id.description,
            links: ["content": "/api/recordings/\(id)/content", "review": "/api/recordings/\(id)/review", "audit": "/api/recordings/\(id)/audit"])
        try await vault.catalog.appendAudit(AuditDraft(actor: context.actor, role: user.role, action: "metadata", target: id, purpose: purpose.text,
                                                       detail: purpose.breakGlass ? "break-glass" : nil))
        return try JSONResponse.make(body)
    }

    /// Who accessed the recording (the audit entries that name it).
    @Sendable func auditTrail(_ request: Request, context: APIRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let purpose = try AccessPurpose.from(request)
        let record = try await access.resolve(try context.parameters.require("id"), user: user, purpose: purpose, actor: context.actor,
                                              action: "audit.view")
        try await access.requireWrap(record, user: user, purpose: purpose, actor: context.actor)
        let entries = try await vault.auditLog(recording: record.id).suffix(1000).map { entry in
            AuditEntryJSON(sequence: entry.sequence, time: entry.time, actor: entry.draft.actor, role: entry.draft.role, action: entry.draft.action,
                           purpose: entry.draft.purpose, outcome: entry.draft.outcome, detail: entry.draft.detail,
                           breakGlass: entry.draft.purpose?.hasPrefix("break-glass") == true)
        }
        try await vault.catalog.appendAudit(AuditDraft(actor: context.actor, role: user.role, action: "audit.view", target: record.id.description,
                                                       purpose: purpose.text, detail: purpose.breakGlass ? "break-glass" : nil))
        return try JSONResponse.make(ListJSON(count: entries.count, items: Array(entries)))
    }

    /// A stored review copy derived from the recording (the newest), if any.
    static func reviewCopy(of record: RecordingRecord, catalog: any Catalog) async throws -> RecordingRecord? {
        try await catalog.recordings(RecordingFilter(source: record.id)).max { $0.createdAt < $1.createdAt }
    }

    static func civilDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        formatter.timeZone = TimeZone(identifier: "UTC")
        guard text.count == 10 else { return nil }
        return formatter.date(from: text)
    }
}

extension APIRequestContext {
    func requireUser() throws -> UserRecord {
        guard let user else { throw APIError.unauthorized }
        return user
    }
}
