import Foundation
import HTTPTypes
import Hummingbird
import SessionVault
import Retention

/// `POST /api/recordings?session=S&class=C[&captured=YYYY-MM-DD]`: a streaming upload through the same consent gate
/// as `sessionvault ingest`. Answers 201 with the new id once the recording is committed; a review
/// copy made at ingest (`[review] at_ingest`) is finished in the background (`reviewCopyPending`),
/// and `GET`/`POST …/review` wait for it rather than make another.
struct UploadRoutes: Sendable {
    let access: RecordingAccess
    let maxUploadBytes: Int64
    let limiter: StreamLimiter
    let metrics: ServerMetrics
    var vault: Vault { access.vault }

    func register(on group: RouterGroup<APIRequestContext>) {
        group.post("recordings", use: upload)
    }

    @Sendable func upload(_ request: Request, context: APIRequestContext) async throws -> Response {
        let staff = try StaffRequest(user: try context.requireUser(), actor: context.actor)
        let query = request.uri.queryParameters
        guard let session = query.get("session").map({ String($0) }), !session.isEmpty,
              let retentionClass = query.get("class").map({ String($0) }), !retentionClass.isEmpty else {
            throw APIError(.badRequest, "session and class query parameters are required")
        }
        var capturedOn: CivilDate? = nil
        if let captured = query.get("captured").map({ String($0) }) {
            guard let parsed = CaptureDate.parse(captured) else {
                throw APIError(.badRequest, "captured must be YYYY-MM-DD or YYYY-MM-DDTHH:MM")
            }
            capturedOn = parsed
        }
        let limit = maxUploadBytes
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > limit {
            throw APIError(.contentTooLarge, "the upload exceeds the limit of \(limit) bytes")
        }
        // The uploader must care for the session's patient (the consent gate itself is the vault's).
        try await vault.requireCare(ofSession: session, for: staff, policy: access.policy)
        guard let permit = limiter.acquire() else {
            throw APIError(.serviceUnavailable, "too many streams in progress; retry shortly", headers: [.retryAfter: "1"])
        }
        defer { permit.release() }
        var reader = RequestBodyChunkReader(body: request.body, limit: limit, metrics: metrics)
        var ingestRequest = IngestRequest(session: session, clinician: staff.user.name, retentionClass: retentionClass,
                                          capturedOn: capturedOn, actor: context.actor)
        ingestRequest.reviewCopyInBackground = true
        let summary = try await ingest(ingestRequest, from: &reader, by: staff)
        let body = UploadResultJSON(id: summary.id.description, session: summary.session, retentionClass: summary.retentionClass,
                                    byteCount: summary.byteCount, chunkCount: summary.chunkCount, mediaType: summary.mediaType,
                                    wrappedFor: summary.wrappedFor, consentedScopes: summary.consentedScopes, dueOn: summary.dueOn,
                                    capturedOn: summary.capturedOn, capturedFrom: summary.capturedFrom.rawValue,
                                    reviewCopy: summary.reviewCopy?.copy?.description, reviewCopySkipped: summary.reviewCopy?.skipped,
                                    reviewCopyPending: summary.reviewCopy?.pending)
        return try JSONResponse.make(body, status: .created, headers: [.location: "/api/recordings/\(summary.id)"])
    }

    /// Ingests through the vault; a refusal for want of consent is also put in the audit trail
    /// (statuses are ErrorMappingMiddleware's).
    private func ingest(_ request: IngestRequest, from reader: inout RequestBodyChunkReader, by staff: StaffRequest) async throws -> IngestSummary {
        let result: Result<IngestSummary, VaultError>
        do {
            result = .success(try await vault.ingest(request, from: &reader))
        } catch {
            result = .failure(error)
        }
        if case .failure(let error) = result, error.code == .noConsent || error.code == .noActiveScope {
            try? await vault.recordRefusal(.ingest, target: request.session, by: staff, reason: "no consent", statingPurpose: false)
        }
        return try result.get()
    }
}
