import Foundation
import Testing
import VaultIndex

/// Subject-access reviews (migration 0012-subject-access-review): stored whole, read back in order,
/// and changed only at the revision the change was decided on, with its audit entry.
@Suite("Catalog access-review conformance", .timeLimit(.minutes(30)))
struct AccessReviewConformanceTests {
    typealias C = CatalogConformanceTests

    static func draft(_ recording: RecordingID, patient: String = "p1") -> AccessReviewRecord {
        AccessReviewRecord(patient: patient, reviewCopies: false, createdBy: "officer:rita", createdAt: Date(timeIntervalSince1970: 1_700_000_000), items: [
            AccessReviewItem(key: recording.description, kind: .recording, recording: recording, session: "G1", capturedOn: "2026-01-02",
                             flag: "other-participants", decision: .pending),
            AccessReviewItem(key: "consent-history", kind: .consentHistory, decision: .include),
            AccessReviewItem(key: "access-log", kind: .accessLog, decision: .include),
        ])
    }

    @Test(arguments: CatalogBackend.enabled)
    func reviewsRoundTripAndChangeOnlyAtTheirRevision(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let recording = RecordingID.random()
            let before = try await catalog.auditHead()?.sequence ?? 0
            let id = try await catalog.addAccessReview(Self.draft(recording), audit: AuditDraft(actor: "officer:rita", recordedAction: "sar.review.draft"))
            let audited = try await catalog.auditEntries(after: before, limit: 10)
            #expect(audited.map(\.draft.action) == ["sar.review.draft"])
            #expect(audited.first?.draft.target == "sar-review:\(id)")

            var stored = try #require(try await catalog.accessReview(id))
            var expected = Self.draft(recording)
            expected.id = id
            #expect(stored == expected)
            #expect(try await catalog.accessReview(id + 1000) == nil)
            _ = try await catalog.addAccessReview(Self.draft(RecordingID.random(), patient: "p2"), audit: C.audit)
            #expect(try await catalog.accessReviews(patient: "p1").map(\.id) == [id])
            #expect(try await catalog.accessReviews(patient: nil).count == 2)
            #expect(try await catalog.accessReviews(patient: nil).first?.items.isEmpty == true, "listings carry no items")

            // A decision, an opinion and a sign-off, stored at revision 0.
            let decidedAt = Date(timeIntervalSince1970: 1_700_000_100)
            stored.items[0].decision = .exclude
            stored.items[0].category = "third-party"
            stored.items[0].reason = "other members did not consent"
            stored.items[0].decidedBy = "officer:rita"
            stored.items[0].decidedAt = decidedAt
            stored.harm = HarmOpinion(professional: "Dr Hale", professionalRole: "consultant psychiatrist", givenOn: "2026-01-03", seriousHarm: false,
                                      reason: nil, recordedBy: "officer:rita", recordedAt: decidedAt)
            stored.signedBy = "officer:rita"
            stored.signedAt = decidedAt
            stored.signature = [UInt8](repeating: 7, count: 96)
            try await catalog.updateAccessReview(stored, expectedRevision: 0, audit: AuditDraft(actor: "officer:rita", recordedAction: "sar.review.sign-off"))
            var updated = try #require(try await catalog.accessReview(id))
            #expect(updated.revision == 1)
            stored.revision = 1
            #expect(updated == stored)

            // A change decided on an older revision changes nothing, and is not audited.
            let head = try await catalog.auditHead()?.sequence
            updated.items[0].decision = .include
            await #expect(throws: CatalogError.changedConcurrently(what: "subject-access review", id: String(id))) {
                try await catalog.updateAccessReview(updated, expectedRevision: 0, audit: C.audit)
            }
            #expect(try await catalog.accessReview(id) == stored)
            #expect(try await catalog.auditHead()?.sequence == head)

            // An item the review does not have rolls the whole change back.
            var unknown = stored
            unknown.items.append(AccessReviewItem(key: "elsewhere", kind: .destructionRecords, decision: .include))
            unknown.releasedBy = "officer:rita"
            await #expect(throws: CatalogError.notFound(what: "item of subject-access review \(id)", id: "elsewhere")) { try await catalog.updateAccessReview(unknown, expectedRevision: 1, audit: C.audit) }
            #expect(try await catalog.accessReview(id) == stored)
            var missing = stored
            missing.id = id + 1000
            await #expect(throws: CatalogError.notFound(what: "subject-access review", id: String(id + 1000))) {
                try await catalog.updateAccessReview(missing, expectedRevision: 0, audit: C.audit)
            }
        }
    }
}
