import Foundation
@testable import VaultIndex
import VaultModel

/// Shorthands the tests use to set up catalog state; the product always goes through the full
/// operations (a disposal's outcome, a consent change's seal, a commit's consent check).
extension Catalog {
    /// ``startDisposal(_:at:actor:)``, returning the ids that started.
    func beginDisposal(_ items: [(id: RecordingID, authorisedBy: String)], at: Date, actor: String) async throws(CatalogError) -> [RecordingID] {
        try await startDisposal(items, at: at, actor: actor).started
    }

    /// Records consent scopes; a scope already active for the session is an error.
    func recordConsents(_ consents: [ConsentRecord], audit: AuditDraft) async throws(CatalogError) {
        try await changeConsent(ConsentChange(added: consents, audit: audit))
    }

    /// ``addRequest(_:events:audit:)`` with no change yet.
    func addRequest(_ request: RequestRecord, audit: AuditDraft) async throws(CatalogError) -> Int64 {
        try await addRequest(request, events: [], audit: audit)
    }

    /// ``commitRecording(_:chunks:wraps:consentedScopes:audit:)`` without the consent check.
    func commitRecording(_ recording: RecordingRecord, chunks: [ChunkRecord], wraps: [WrapRecord],
                         audit: AuditDraft) async throws(CatalogError) {
        try await commitRecording(recording, chunks: chunks, wraps: wraps, consentedScopes: nil, audit: audit)
    }
}

extension PostgresCatalog {
    /// Runs one SQL statement outside any catalog method (`CREATE DATABASE`, fault injection).
    func execute(_ sql: String) async throws(CatalogError) {
        try await withConnection { (connection) throws(CatalogError) in try await connection.run(sql) }
    }

    /// The first column of every row of `sql`, as integers.
    func integers(_ sql: String) async throws(CatalogError) -> [Int64] {
        try await withConnection { (connection) throws(CatalogError) in try await connection.query(sql) { row throws(CatalogError) in try row.int(0) } }
    }
}
