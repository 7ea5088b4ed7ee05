import TestSupport
import Foundation
import SessionVault
import Testing
import VaultCrypto
import VaultIndex
import VaultServer

@Suite("Service uploads", .timeLimit(.minutes(30)))
struct UploadTests {
    /// Deterministic bytes for any offset, so a generator needs no memory.
    @Sendable static func pattern(_ offset: Int64, _ count: Int) -> [UInt8] {
        (0..<count).map { i in
            let x = UInt64(offset) + UInt64(i)
            return UInt8(truncatingIfNeeded: (x &* 2_654_435_761) >> 13 ^ x)
        }
    }

    @Test func anUploadGoesThroughTheConsentGateAndAnswersTheNewID() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let bytes = Self.pattern(0, 300_000)
            let response = try await client.request("POST", "/api/recordings?session=S1&class=care",
                                                    headers: ["Authorization": "Bearer " + f.token("alice")], body: .bytes(bytes))
            #expect(response.status == 201)
            let id = try #require(try response.json()["id"] as? String)
            #expect(response.header("location") == "/api/recordings/\(id)")
            #expect(try response.json()["byteCount"] as? Int == 300_000)
            let back = try await client.get("/api/recordings/\(id)/content", token: f.token("alice"))
            #expect(back.body == bytes)
            let recordingID = try #require(RecordingID(id))
            let record = try #require(try await f.vault.catalog.recording(recordingID))
            #expect(record.clinician == "alice")
            let ingest = try #require(try await f.audit(record.id).first { $0.draft.action == "ingest" })
            #expect(ingest.draft.actor == "user:alice@127.0.0.1")
        }
    }

    /// Issue #16: any authenticated user whose care list covered the session could upload, a
    /// supervisor or a records officer included: a recording added to a patient's clinical record
    /// by someone who did not see them. Only the roles the configuration names may (clinicians by default).
    @Test func onlyTheRolesTheConfigurationAllowsMayUpload() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        #expect(f.vault.config.uploadRoles == ["clinician"])
        try await f.withServer { client, _ in
            for user in ["sue", "rita"] {
                let refused = try await client.request("POST", "/api/recordings?session=S1&class=care",
                                                       headers: ["Authorization": "Bearer " + f.token(user)], body: .bytes([1, 2, 3]))
                #expect(refused.status == 403, "\(user)")
                #expect(refused.text.contains("may not upload") && refused.text.contains("clinician"), "\(refused.text)")
            }
            let allowed = try await client.request("POST", "/api/recordings?session=S1&class=care",
                                                   headers: ["Authorization": "Bearer " + f.token("alice")], body: .bytes([1, 2, 3]))
            #expect(allowed.status == 201)
        }
        let refusals = try await f.vault.auditLog().filter { $0.draft.action == "ingest" && $0.draft.outcome == "refused" }
        #expect(refusals.contains { $0.draft.actor.hasPrefix("user:sue@") && $0.draft.detail?.contains("may not upload") == true })
    }

    @Test func uploadsWithoutConsentOrOutsideTheCareListOrMalformedAreRefused() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let auth = ["Authorization": "Bearer " + f.token("alice")]
            let noConsent = try await client.request("POST", "/api/recordings?session=S9&class=care", headers: auth, body: .bytes([1, 2, 3]))
            #expect(noConsent.status == 403)
            #expect(noConsent.text.contains("consent"))
            let notMine = try await client.request("POST", "/api/recordings?session=S2&class=care", headers: auth, body: .bytes([1, 2, 3]))
            #expect(notMine.status == 403)
            let training = try await client.request("POST", "/api/recordings?session=S1&class=training", headers: auth, body: .bytes([1, 2, 3]))
            #expect(training.status == 403)
            #expect(try await client.request("POST", "/api/recordings?session=S1", headers: auth, body: .bytes([1])).status == 400)
            #expect(try await client.request("POST", "/api/recordings?class=care", headers: auth, body: .bytes([1])).status == 400)
            #expect(try await client.request("POST", "/api/recordings?session=S1&class=no-such-class", headers: auth, body: .bytes([1])).status == 400)
            #expect(try await client.request("POST", "/api/recordings?session=bad%20session&class=care", headers: auth, body: .bytes([1])).status == 400)
            // The capture date: a day after today, or no day at all, is refused; an earlier one is kept.
            let later = ISO8601DateFormatter.string(from: Date().addingTimeInterval(3 * 86_400), timeZone: .gmt, formatOptions: [.withFullDate])
            let future = try await client.request("POST", "/api/recordings?session=S1&class=care&captured=\(later)", headers: auth, body: .bytes([1]))
            #expect(future.status == 400 && String(decoding: future.body, as: UTF8.self).contains("after today"))
            #expect(try await client.request("POST", "/api/recordings?session=S1&class=care&captured=2026-02-30", headers: auth, body: .bytes([1])).status == 400)
            let late = try await client.request("POST", "/api/recordings?session=S1&class=care&captured=2026-03-02T10:15", headers: auth, body: .bytes([1]))
            #expect(late.status == 201)
            #expect(try late.json()["capturedOn"] as? String == "2026-03-02")
            let live = try await f.vault.catalog.recordings(RecordingFilter())
            #expect(live.count == 3, "the fixture's two and the late upload; nothing refused was stored")
            #expect(try await f.vault.catalog.stagingRecords().isEmpty)
        }
    }

    @Test func uploadsOverTheSizeLimitAre413WhetherDeclaredOrStreamed() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer(ServerConfiguration(maxUploadBytes: 200_000)) { client, _ in
            let auth = ["Authorization": "Bearer " + f.token("alice")]
            let declared = try await client.request("POST", "/api/recordings?session=S1&class=care", headers: auth,
                                                    body: .generated(total: 300_000, block: 50_000, make: Self.pattern))
            #expect(declared.status == 413)
            var chunked = auth
            chunked["Transfer-Encoding"] = "chunked"
            let streamed = try await client.request("POST", "/api/recordings?session=S1&class=care", headers: chunked,
                                                    body: .generated(total: 300_000, block: 50_000, make: Self.pattern))
            #expect(streamed.status == 413)
            #expect(try await f.vault.catalog.recordings(RecordingFilter()).count == 2)
            #expect(try await f.vault.catalog.stagingRecords().isEmpty)
        }
    }

    @Test func aLargeUploadStreamedFromAGeneratorArrivesWhole() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        let total: Int64 = 100 << 20
        try await f.withServer { client, server in
            var chunked = ["Authorization": "Bearer " + f.token("alice")]
            chunked["Transfer-Encoding"] = "chunked"
            let response = try await client.request("POST", "/api/recordings?session=S1&class=care", headers: chunked,
                                                    body: .generated(total: total, block: 1 << 20, make: Self.pattern))
            #expect(response.status == 201)
            let idText = try #require(try response.json()["id"] as? String)
            let id = try #require(RecordingID(idText))
            #expect(try await f.vault.catalog.recording(id)?.byteCount == total)
            // Spot-check ranges far apart, read back through the service.
            for start: Int64 in [0, 37 << 20, total - 4096] {
                let range = try await client.get("/api/recordings/\(id)/content", token: f.token("alice"),
                                                 headers: ["Range": "bytes=\(start)-\(start + 4095)"])
                #expect(range.status == 206)
                #expect(range.body == Self.pattern(start, 4096))
            }
            // A stream's slot is given back when its body has been written out, which can come a
            // moment after the client has read the last byte (seen under AddressSanitizer).
            let released = try await eventually(timeout: .seconds(30)) { server.activeStreams == 0 }
            #expect(released)
        }
    }
}
