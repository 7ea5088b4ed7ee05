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
