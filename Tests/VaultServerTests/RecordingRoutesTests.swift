import Foundation
import Testing
@testable import VaultIndex
import VaultServer
import SessionVault

@Suite("Service listing, metadata and audit routes", .timeLimit(.minutes(30)))
struct RecordingRoutesTests {
    static func ids(_ response: HTTPTestClient.Response) throws -> [String] {
        let items = try response.json()["items"] as? [[String: Any]] ?? []
        return items.compactMap { $0["id"] as? String }
    }

    @Test func eachUserListsOnlyRecordingsOfTheirCareListThatTheirRoleCanOpen() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            #expect(try Self.ids(try await client.get("/api/recordings", token: f.token("alice"))) == [f.recordingA.description])
            #expect(try Self.ids(try await client.get("/api/recordings", token: f.token("bob"))) == [f.recordingB.description])
            #expect(try Self.ids(try await client.get("/api/recordings", token: f.token("sue"))).isEmpty)
            #expect(Set(try Self.ids(try await client.get("/api/recordings", token: f.token("rita")))) == [f.recordingA.description, f.recordingB.description])
            let searched = try await client.get("/api/recordings?session=S2", token: f.token("rita"))
            #expect(try Self.ids(searched) == [f.recordingB.description])
            let item = try #require((try await client.get("/api/recordings", token: f.token("alice")).json()["items"] as? [[String: Any]])?.first)
            #expect(item["consentScopes"] as? [String] == ["care"])
            #expect(item["retentionClass"] as? String == "care")
            // A care recording's due date waits for the patient's discharge: undeterminable yet, so absent.
            #expect(item["daysUntilDisposal"] == nil)
            #expect((item["patientPseudonym"] as? String)?.isEmpty == false)
            #expect(try await client.get("/api/recordings?since=yesterday", token: f.token("alice")).status == 400)
            #expect(try await client.get("/api/recordings?limit=0", token: f.token("alice")).status == 400)
        }
    }

    @Test func aClinicianSearchesByPatientClassAndDateRangeOverWhatTheyMaySee() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let alice = f.token("alice")
            let today = CivilDate(Date())
            let item = try #require((try await client.get("/api/recordings", token: alice).json()["items"] as? [[String: Any]])?.first)
            let pseudonym = try #require(item["patientPseudonym"] as? String)
            #expect(try Self.ids(try await client.get("/api/recordings?pseudonym=\(pseudonym)&class=care", token: alice)) == [f.recordingA.description])
            #expect(try Self.ids(try await client.get("/api/recordings?class=training", token: alice)).isEmpty)
            #expect(try Self.ids(try await client.get("/api/recordings?since=\(today)&until=\(today)", token: alice)) == [f.recordingA.description])
            #expect(try Self.ids(try await client.get("/api/recordings?until=2020-01-01", token: alice)).isEmpty)
            #expect(try Self.ids(try await client.get("/api/recordings?since=2099-01-01", token: alice)).isEmpty)
            // Another patient's pseudonym finds nothing for alice, as one that does not exist.
            let other = try #require((try await client.get("/api/recordings", token: f.token("bob")).json()["items"] as? [[String: Any]])?.first?["patientPseudonym"] as? String)
            #expect(try Self.ids(try await client.get("/api/recordings?pseudonym=\(other)", token: alice)).isEmpty)
            #expect(try await client.get("/api/recordings?until=tomorrow", token: alice).status == 400)
        }
    }

    @Test func metadataShowsConsentAndRetentionToAUserWhoMaySeeIt() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let response = try await client.get("/api/recordings/\(f.recordingA)", token: f.token("alice"))
            #expect(response.status == 200)
            let json = try response.json()
            let consent = try #require(json["consent"] as? [[String: Any]])
            #expect(consent.first?["scope"] as? String == "care")
            #expect(consent.first?["active"] as? Bool == true)
            let retention = try #require(json["retention"] as? [String: Any])
            #expect(retention["held"] as? Bool == false)
            #expect(retention["dueOn"] == nil)
            #expect((json["wrappedFor"] as? [String])?.contains("clinician") == true)
            #expect(!response.text.contains(ServerFixture.patientA))
        }
    }

    @Test func aRecordingOutsideTheCareListIsAnsweredExactlyLikeOneThatDoesNotExist() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let hidden = try await client.get("/api/recordings/\(f.recordingB)", token: f.token("alice"))
            let missingID = RecordingID.random().description
            let missing = try await client.get("/api/recordings/\(missingID)", token: f.token("alice"))
            #expect(hidden.status == 404)
            #expect(missing.status == 404)
            #expect(hidden.text.replacingOccurrences(of: f.recordingB.description, with: "X")
                    == missing.text.replacingOccurrences(of: missingID, with: "X"))
            for suffix in ["/content", "/review", "/audit"] {
                #expect(try await client.get("/api/recordings/\(f.recordingB)\(suffix)", token: f.token("alice")).status == 404)
            }
            #expect(try await client.get("/api/recordings/not-an-id", token: f.token("alice")).status == 404)
            #expect(try await client.get("/api/recordings/..%2F..%2Fconfig.toml/content", token: f.token("alice")).status == 404)
            let refusals = try await f.audit(f.recordingB).filter { $0.draft.outcome == "refused" }
            #expect(refusals.count >= 4)
            #expect(refusals.allSatisfy { $0.draft.actor == "user:alice@127.0.0.1" && $0.draft.detail == "patient not on the user's care list" })
        }
    }

    /// The attack: `UPDATE recordings SET patient = <Bob's patient>` put Alice's patient's recording on
    /// Bob's care list and Bob read it (200). The patient is now bound into the authenticated
    /// manifest, so the edited row is refused when the recording is opened.
    @Test func aRowMovedOntoAnotherPatientIsNotServedToThatPatientsClinician() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        let bobsPatient = try #require(try await f.vault.catalog.recording(f.recordingB)?.patient)
        let db = try SQLiteConnection(path: f.root.appendingPathComponent("catalog.sqlite").path)
        try db.run("UPDATE recordings SET patient = ? WHERE id = ?", [.text(bobsPatient), .blob(f.recordingA.bytes)])
        try await f.withServer { client, _ in
            let content = try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("bob"))
            #expect(content.status != 200, "Bob was served a recording moved onto his patient")
            #expect(content.body.count < f.contentA.count)
            #expect(!content.text.contains("patient"), "the answer names no detail: \(content.text)")
        }
    }

    @Test func aRoleWithoutAWrapIsRefusedWith403AndTheRefusalIsAudited() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            for suffix in ["", "/content", "/review", "/audit"] {
                let response = try await client.get("/api/recordings/\(f.recordingA)\(suffix)", token: f.token("sue"))
                #expect(response.status == 403, "\(suffix)")
                #expect(response.text.contains("consented scopes: care"))
            }
            let refused = try await f.audit(f.recordingA).filter { $0.draft.outcome == "refused" && $0.draft.role == "supervisor" }
            #expect(refused.count == 4)
        }
    }

    @Test func breakGlassNeedsAReasonAndIsFlaggedInTheAuditTrail() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let noReason = try await client.get("/api/recordings/\(f.recordingB)/content", token: f.token("alice"),
                                                headers: ["X-Break-Glass-Reason": "  "])
            #expect(noReason.status == 400)
            let allowed = try await client.get("/api/recordings/\(f.recordingB)/content", token: f.token("alice"),
                                               headers: ["X-Break-Glass-Reason": "covering crisis call"])
            #expect(allowed.status == 200)
            #expect(allowed.header("x-break-glass") == "true")
            let byQuery = try await client.get("/api/recordings/\(f.recordingB)?break_glass=duty%20doctor", token: f.token("alice"))
            #expect(byQuery.status == 200)
            let entries = try await f.audit(f.recordingB).filter { $0.draft.outcome == "ok" && $0.draft.actor == "user:alice@127.0.0.1" }
            #expect(entries.contains { $0.draft.purpose == "break-glass: covering crisis call" && $0.draft.detail?.contains("break-glass") == true })
            #expect(entries.contains { $0.draft.purpose == "break-glass: duty doctor" && $0.draft.action == "metadata" })
            // Break-glass lifts the care list, never the wrap.
            let sue = try await client.get("/api/recordings/\(f.recordingB)/content", token: f.token("sue"),
                                           headers: ["X-Break-Glass-Reason": "curious"])
            #expect(sue.status == 403)
        }
    }

    @Test func theAuditViewShowsWhoAccessedTheRecordingWithClientAddressAndPurpose() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            _ = try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice"), headers: ["X-Purpose": "session review"])
            let trail = try await client.get("/api/recordings/\(f.recordingA)/audit", token: f.token("rita"))
            #expect(trail.status == 200)
            let items = try #require(trail.json()["items"] as? [[String: Any]])
            #expect(items.contains {
                $0["actor"] as? String == "user:alice@127.0.0.1" && $0["action"] as? String == "get" && $0["purpose"] as? String == "session review"
                    && $0["outcome"] as? String == "ok" && $0["role"] as? String == "clinician"
            })
            #expect(items.contains { $0["action"] as? String == "ingest" })
        }
    }
}
