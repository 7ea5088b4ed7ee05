import Foundation
import Testing
import SessionVault
import VaultServer

@Suite("Service authentication", .timeLimit(.minutes(30)))
struct AuthTests {
    @Test func everyAPIRouteNeedsAValidBearerToken() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let id = f.recordingA.description
            for path in ["/api/recordings", "/api/recordings/\(id)", "/api/recordings/\(id)/content", "/api/recordings/\(id)/review",
                         "/api/recordings/\(id)/audit", "/api/whoami"] {
                let missing = try await client.get(path)
                #expect(missing.status == 401, "\(path)")
                #expect(missing.header("www-authenticate")?.hasPrefix("Bearer") == true)
                #expect(try await client.get(path, token: "not-a-token").status == 401, "\(path)")
                #expect(try await client.get(path, token: "svt_" + String(repeating: "A", count: 43)).status == 401, "\(path)")
                #expect(try await client.get(path, headers: ["Authorization": "Basic YWxpY2U6eA=="]).status == 401, "\(path)")
            }
            let upload = try await client.request("POST", "/api/recordings?session=S1&class=care", body: .bytes([1, 2, 3]))
            #expect(upload.status == 401)
        }
    }

    @Test func aTokenRevokedMidSessionIsRefusedOnTheNextRequest() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            #expect(try await client.get("/api/recordings", token: f.token("alice")).status == 200)
            try await f.vault.revokeUser(name: "alice", by: .unproven("test"))
            #expect(try await client.get("/api/recordings", token: f.token("alice")).status == 401)
            #expect(try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice")).status == 401)
            #expect(try await client.get("/api/recordings", token: f.token("bob")).status == 200)
        }
    }

    @Test func theSessionCookieAuthenticatesReadsButNotUploads() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let cookie = ["Cookie": "other=1; svt_session=\(f.token("alice"))"]
            let read = try await client.get("/api/recordings/\(f.recordingA)/content", headers: cookie)
            #expect(read.status == 200)
            #expect(read.body == f.contentA)
            let upload = try await client.request("POST", "/api/recordings?session=S1&class=care", headers: cookie, body: .bytes([1, 2, 3]))
            #expect(upload.status == 401)
        }
    }

    /// Issue #16: a link (`<img src>`, a pasted URL) carrying `?break_glass=` made a signed-in
    /// clinician break glass, because the browser sends the session cookie with it.
    @Test func aLinkCannotMakeACookieSignedInClinicianBreakGlass() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let cookie = ["Cookie": "svt_session=\(f.token("alice"))"]
            for path in ["/api/recordings/\(f.recordingB)?break_glass=curious", "/api/recordings/\(f.recordingB)/content?break_glass=curious"] {
                let byLink = try await client.get(path, headers: cookie)
                #expect(byLink.status == 400, "\(path)")
                #expect(String(decoding: byLink.body, as: UTF8.self).contains("X-Break-Glass-Reason"))
            }
            let entries = try await f.audit(f.recordingB)
            #expect(!entries.contains { $0.draft.actor.hasPrefix("user:alice") && $0.draft.outcome == "ok" })
            // The header still works with the cookie (only a script of the page can set it), and the query with a bearer token.
            let byHeader = try await client.get("/api/recordings/\(f.recordingB)", headers: cookie.merging(["X-Break-Glass-Reason": "duty doctor"]) { a, _ in a })
            #expect(byHeader.status == 200)
            let byBearer = try await client.get("/api/recordings/\(f.recordingB)?break_glass=duty%20doctor", token: f.token("alice"))
            #expect(byBearer.status == 200)
        }
    }

    /// Issue #16: a purpose with a text-direction control reads one way in the audit view and
    /// another in the trail; the vault refuses it and the service answers 400 naming the field.
    @Test func aPurposeOrReasonWithABidiControlIsRefusedWith400() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let before = try await f.audit(f.recordingA).count
            let purpose = try await client.get("/api/recordings/\(f.recordingA)?purpose=care%E2%80%AEgnisseccA", token: f.token("alice"))
            #expect(purpose.status == 400)
            #expect(String(decoding: purpose.body, as: UTF8.self).contains("access purpose"))
            let reason = try await client.get("/api/recordings/\(f.recordingB)?break_glass=duty%E2%81%A6doctor", token: f.token("alice"))
            #expect(reason.status == 400)
            #expect(String(decoding: reason.body, as: UTF8.self).contains("break-glass reason"))
            #expect(try await f.audit(f.recordingA).count == before)
        }
    }

    @Test func tokensAreHashedAndComparedNotStored() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        let alice = try #require(try await f.vault.catalog.user(named: "alice"))
        #expect(alice.tokenHash == AccessToken.hash(f.token("alice")))
        #expect(AccessToken.matches(storedHash: alice.tokenHash, token: f.token("alice")))
        #expect(!AccessToken.matches(storedHash: alice.tokenHash, token: f.token("bob")))
        #expect(AccessToken.isWellFormed(f.token("alice")))
        #expect(f.token("alice").hasPrefix("svt_"))
        // The catalog file never contains the token text.
        let catalog = try Data(contentsOf: f.root.appendingPathComponent("catalog.sqlite"))
        #expect(catalog.range(of: Data(f.token("alice").utf8)) == nil)
    }

    @Test func healthAndMetricsNeedNoTokenAndMetricsCountRequestsByRoute() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.withServer { client, _ in
            let health = try await client.get("/healthz")
            #expect(health.status == 200)
            #expect(try health.json()["status"] as? String == "ok")
            _ = try await client.get("/api/recordings/\(f.recordingA)/content", token: f.token("alice"))
            let metrics = try await client.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains("sessionvault_http_requests_total"))
            #expect(metrics.text.contains("route=\"/api/recordings/{id}/content\""))
            #expect(metrics.text.contains("sessionvault_http_bytes_served_total \(f.contentA.count)"))
            #expect(!metrics.text.contains(f.recordingA.description))
        }
    }
}
