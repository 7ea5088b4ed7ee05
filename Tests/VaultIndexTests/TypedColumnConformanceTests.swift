import Foundation
import Testing
@testable import VaultIndex

extension SQLiteCatalog {
    /// One statement outside any catalog method (fault injection), as ``PostgresCatalog/execute(_:)``.
    func executeForTesting(_ sql: String) throws(CatalogError) { try db.execute(sql) }
}

/// Rows hold the shared model's types; the stored text is what it was, and a stored value that is
/// not of its column's type is a corrupt row naming the column and the row, on every backend.
@Suite("Typed columns conformance", .timeLimit(.minutes(30)))
struct TypedColumnConformanceTests {
    static func execute(_ catalog: any Catalog, _ sql: String) async throws {
        if let sqlite = catalog as? SQLiteCatalog { try await sqlite.executeForTesting(sql) }
        if let postgres = catalog as? PostgresCatalog { try await postgres.execute(sql) }
    }

    @Test(arguments: CatalogBackend.enabled)
    func aStoredValueThatIsNotOfItsColumnsTypeIsACorruptRowNamingTheColumnAndTheRecording(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let id = RecordingID.random()
            try await CatalogConformanceTests.commit(catalog, id)
            let facts = MediaFacts(container: "webm", durationSeconds: 12.5, videoCodec: "VP8", width: 640, height: 480)
            try await catalog.setMediaFacts(id, facts)
            let record = try #require(try await catalog.recording(id))
            #expect(record.capturedOn == "2026-01-02" && record.dueOn == "2046-01-02" && record.algorithm == .aes256gcm && record.mediaFacts == facts)
            let valid = "due_on = '2046-01-02', captured_on = '2026-01-02', disposition = NULL, algorithm = 1, media_facts = NULL"
            for (column, value) in [("due_on", "'2046-02-30'"), ("captured_on", "'yesterday'"), ("disposition", "'shred'"), ("algorithm", "7"),
                                    ("media_facts", "'{\"width\":640}'")] {
                try await Self.execute(catalog, "UPDATE recordings SET \(column) = \(value)")
                do {
                    _ = try await catalog.recording(id)
                    Issue.record("\(column) = \(value) was read")
                } catch {
                    guard case .corruptRow(let table, let row, let reason)? = error as? CatalogError else { Issue.record("\(error)"); continue }
                    #expect(table == "recordings" && row == id.description && reason.hasPrefix("column \(column): "), "\(error)")
                }
                try await Self.execute(catalog, "UPDATE recordings SET \(valid)")
            }
            #expect(try await catalog.recording(id)?.dueOn == "2046-01-02")
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func typedValuesAreStoredAsTheTextTheyAlwaysWere(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let id = RecordingID.random()
            try await CatalogConformanceTests.commit(catalog, id)
            try await catalog.setMediaFacts(id, MediaFacts(container: "ogg", durationSeconds: 2.5, audioCodec: "Opus"))
            try await catalog.updateDueDates([DueDateUpdate(recording: id, dueOn: "2031-07-09", disposition: .review, rule: "r")], patient: nil,
                                             audit: CatalogConformanceTests.audit)
            // The row read back as text, through a column the reader does not type.
            try await Self.execute(catalog, "UPDATE recordings SET retention_rule = due_on || '|' || disposition || '|' || captured_on || '|' || media_facts")
            let rule = try #require(try await catalog.recording(id)?.retentionRule)
            #expect(rule == #"2031-07-09|review|2026-01-02|{"audioCodec":"Opus","container":"ogg","durationSeconds":2.5}"#)
        }
    }
}
