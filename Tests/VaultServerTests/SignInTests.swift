import Crypto
import Foundation
import Synchronization
import Testing
import SessionVault
@testable import VaultServer

/// Issue #19 items 1 and 2: staff sign in through the organisation's OpenID Provider, here a
/// real one (PyPI's django-oidc-provider) started for each test on 127.0.0.1. The vault fixture's
/// users (alice, a clinician; sue, a supervisor; rita, the records officer) have accounts at the
/// provider; mallory has an account there and none in the vault.
@Suite("Sign-in through an OpenID Provider", .serialized, .timeLimit(.minutes(30)),
       .enabled(if: TestOpenIDProvider.available, "needs PyPI's django-oidc-provider (scripts/test-servers/oidc-provider.sh install)"))
struct SignInTests {
    static let roles = ["clinicians": "clinician", "records-officers": "records-officer", "supervisors": "supervisor"]

    /// A provider with the staff accounts, a vault fixture, and the service on a port registered
    /// as the client's callback. `adjust` changes the sign-in configuration (another clock, issuer, client).
    static func withSignIn(idTokenLifetime: Int? = nil, clientAlgorithm: String = "RS256", officer: Bool = false,
                           adjust: @Sendable (inout SignInConfiguration) -> Void = { _ in },
                           _ body: @Sendable (Context) async throws -> Void) async throws {
        let provider = try await TestOpenIDProvider.start(idTokenLifetime: idTokenLifetime)
        let fixture = try await ServerFixture.make(contentSize: 1000, officer: officer)
        do {
            let port = try await freeLoopbackPort()
            let base = "http://127.0.0.1:\(port)"
            try await provider.ctl("client", "sessionvault", "vault-client-secret", clientAlgorithm, base + "/auth/callback", base + "/")
            try await provider.ctl("user", "alice", "alice-password", "clinicians")
            try await provider.ctl("user", "sue", "sue-password", "clinicians")
            try await provider.ctl("user", "rita", "rita-password", "records-officers")
            try await provider.ctl("user", "mallory", "mallory-password", "clinicians")
            let settings = SignInSettings(issuer: provider.issuer, clientID: "sessionvault", clientSecretEnvironment: "UNUSED", publicURL: base,
                                          roleMapping: roles, peopleBearerTokens: false, machineRoles: ["records-officer"])
            var signIn = SignInConfiguration(settings: settings, clientSecret: "vault-client-secret", minimumKeyRefetch: 0)
            adjust(&signIn)
            let configuration = ServerConfiguration(host: "127.0.0.1", port: port, signIn: signIn)
            try await fixture.withServer(configuration, keepPort: true) { client, _ in
                let browser = TestBrowser()
                do {
                    try await body(Context(provider: provider, fixture: fixture, base: base, client: client, browser: browser))
                } catch {
                    await browser.close()
                    throw error
                }
                await browser.close()
            }
        } catch {
            fixture.remove()
            await provider.stop()
            throw error
        }
        fixture.remove()
        await provider.stop()
    }

    struct Context: Sendable {
        let provider: TestOpenIDProvider
        let fixture: ServerFixture
        let base: String
        let client: HTTPTestClient
        let browser: TestBrowser

        /// The session cookie as the API sees it.
        func sessionHeader(_ browser: TestBrowser? = nil) throws -> [String: String] {
            ["Cookie": "svt_sid=" + (try #require((browser ?? self.browser).cookie("svt_sid"), "no session cookie"))]
        }

        /// The sign-in and sign-out entries of the audit trail.
        func signInAudit() async throws -> [AuditDraft] {
            try await fixture.vault.auditLog().map(\.draft)
                .filter { $0.action == AuditAction.sessionSignIn.rawValue || $0.action == AuditAction.sessionSignOut.rawValue }
        }
    }

    static func reason(_ page: TestBrowser.Page) -> String? {
        guard let range = page.body.range(of: "data-reason=\"") else { return nil }
        return String(page.body[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test func aClinicianSignsInThroughTheProviderReadsTheAPIAndSignsOut() async throws {
        try await Self.withSignIn { c in
            let (_, answer) = try await c.browser.signIn(at: c.base, user: "alice", password: "alice-password")
            #expect(answer.status == 303)
            #expect(answer.location == c.base + "/")
            let setCookie = try #require(answer.headers["set-cookie"])
            #expect(setCookie.contains("svt_sid="))
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Lax"))
            let who = try await c.client.get("/api/whoami", headers: try c.sessionHeader())
            #expect(who.status == 200)
            #expect(try who.json()["name"] as? String == "alice")
            #expect(try who.json()["role"] as? String == "clinician")
            let list = try await c.client.get("/api/recordings", headers: try c.sessionHeader())
            #expect(list.status == 200)
            #expect(list.text.contains(c.fixture.recordingA.description))
            #expect(!list.text.contains(c.fixture.recordingB.description))
            let content = try await c.client.get("/api/recordings/\(c.fixture.recordingA)/content", headers: try c.sessionHeader())
            #expect(content.status == 200)
            #expect(content.body == c.fixture.contentA)
            // A change made with the session cookie alone is refused (CSRFGuard): it needs the page's origin and token.
            let upload = try await c.client.request("POST", "/api/recordings?session=S1&class=care", headers: try c.sessionHeader(), body: .bytes([1]))
            #expect(upload.status == 403)
            #expect(try upload.json()["code"] as? String == "csrf-cross-site")

            let cookie = try c.sessionHeader()
            let csrf = try #require(try who.json()["csrfToken"] as? String)
            let out = try await c.client.request("POST", "/auth/logout", headers: cookie.merging(["Origin": c.base, "X-CSRF-Token": csrf]) { $1 })
            #expect(out.status == 200)
            let next = try #require(try out.json()["next"] as? String)
            #expect(next.hasPrefix(c.provider.issuer + "/end-session?"), "RP-initiated logout at the provider: \(next)")
            #expect(next.contains("post_logout_redirect_uri="))
            #expect(try await c.client.get("/api/whoami", headers: cookie).status == 401)

            let trail = try await c.signInAudit()
            #expect(trail.contains { $0.action == "session.sign-in" && $0.actor.hasPrefix("user:alice@") && $0.outcome == "ok" && $0.role == "clinician" })
            #expect(trail.contains { $0.action == "session.sign-out" && $0.actor.hasPrefix("user:alice@") && $0.detail == "signed out" })
        }
    }

    @Test func peoplesBearerTokensCanBeTurnedOffWhileMachinesKeepTheirs() async throws {
        try await Self.withSignIn { c in
            let person = try await c.client.get("/api/recordings", token: c.fixture.token("alice"))
            #expect(person.status == 401)
            #expect(person.text.contains("organisation"))
            // rita's role is listed as a machine role in this configuration.
            #expect(try await c.client.get("/api/recordings", token: c.fixture.token("rita")).status == 200)
            let status = try await c.client.get("/auth/status")
            #expect(try status.json()["signIn"] as? Bool == true)
            #expect(try status.json()["tokens"] as? Bool == false)
        }
    }

    @Test func anAccountWithNoVaultUserIsRefusedWithAClearPage() async throws {
        try await Self.withSignIn { c in
            let (_, answer) = try await c.browser.signIn(at: c.base, user: "mallory", password: "mallory-password")
            #expect(answer.status == 403)
            #expect(Self.reason(answer) == "refused")
            #expect(answer.body.contains("no SessionVault user"))
            #expect(answer.headers["content-security-policy"]?.contains("script-src 'self'") == true)
            #expect(c.browser.cookie("svt_sid") == nil)
            let trail = try await c.signInAudit()
            #expect(trail.contains { $0.actor.hasPrefix("user:mallory@") && $0.outcome == "refused" })
        }
    }

    @Test func aGroupThatDoesNotGrantTheUsersRoleIsRefused() async throws {
        try await Self.withSignIn { c in
            // sue is a supervisor in the vault; the provider's groups make her a clinician only.
            let (_, answer) = try await c.browser.signIn(at: c.base, user: "sue", password: "sue-password")
            #expect(answer.status == 403)
            #expect(Self.reason(answer) == "refused")
            #expect(c.browser.cookie("svt_sid") == nil)
        }
    }

    @Test func aUserRemovedFromTheGroupIsRefusedAtTheNextSignIn() async throws {
        try await Self.withSignIn { c in
            let (_, first) = try await c.browser.signIn(at: c.base, user: "alice", password: "alice-password")
            #expect(first.status == 303)
            try await c.provider.ctl("ungroup", "alice", "clinicians")
            let later = TestBrowser()
            let (_, second) = try await later.signIn(at: c.base, user: "alice", password: "alice-password")
            await later.close()
            #expect(second.status == 403)
            #expect(Self.reason(second) == "refused")
            #expect(second.body.contains("grant no SessionVault role"))
            let trail = try await c.signInAudit()
            #expect(trail.filter { $0.actor.hasPrefix("user:alice@") && $0.outcome == "refused" }.count == 1)
        }
    }

    @Test func aReplayedCodeIsRefused() async throws {
        try await Self.withSignIn { c in
            let (callback, first) = try await c.browser.signIn(at: c.base, user: "alice", password: "alice-password")
            #expect(first.status == 303)
            // The same answer again: its state was used up.
            let again = try await c.browser.get(callback)
            #expect(again.status == 400)
            #expect(Self.reason(again) == "state")
            // The code under a fresh sign-in's state (and this browser's binding): the provider refuses it.
            let start = try await c.browser.get(c.base + "/auth/login")
            let authorize = try #require(start.location.flatMap { URLComponents(string: $0) })
            let state = try #require(authorize.queryItems?.first { $0.name == "state" }?.value)
            let code = try #require(URLComponents(string: callback)?.queryItems?.first { $0.name == "code" }?.value)
            var replay = URLComponents(string: c.base + "/auth/callback")!
            replay.queryItems = [URLQueryItem(name: "code", value: code), URLQueryItem(name: "state", value: state)]
            let replayed = try await c.browser.get(replay.url!.absoluteString)
            #expect(replayed.status == 400)
            #expect(Self.reason(replayed) == "code-refused")
            let trail = try await c.signInAudit()
            #expect(trail.filter { $0.outcome == "refused" }.count == 2)
        }
    }

    @Test func aStateThisBrowserDidNotStartIsRefused() async throws {
        try await Self.withSignIn { c in
            // The victim's browser starts a sign-in; an attacker's browser presents its answer (login CSRF).
            let start = try await c.browser.get(c.base + "/auth/login")
            let state = try #require(start.location.flatMap { URLComponents(string: $0) }?.queryItems?.first { $0.name == "state" }?.value)
            let other = TestBrowser()
            let forged = try await other.get(c.base + "/auth/callback?code=whatever&state=\(state)")
            await other.close()
            #expect(forged.status == 400)
            #expect(Self.reason(forged) == "state")
            let unknown = try await c.browser.get(c.base + "/auth/callback?code=whatever&state=never-issued")
            #expect(unknown.status == 400)
            #expect(Self.reason(unknown) == "state")
            #expect(c.browser.cookie("svt_sid") == nil)
        }
    }

    @Test func anExpiredIDTokenIsRefused() async throws {
        // The service's clock an hour ahead of the provider's: the ten-minute ID token has expired.
        try await Self.withSignIn(adjust: { $0.now = { Date().addingTimeInterval(3600) } }) { c in
            let (_, answer) = try await c.browser.signIn(at: c.base, user: "alice", password: "alice-password")
            #expect(answer.status == 400)
            #expect(Self.reason(answer) == "invalid-token")
            #expect(answer.body.contains("expired"))
            #expect(c.browser.cookie("svt_sid") == nil)
        }
    }

    @Test func anHMACSignedIDTokenIsRefused() async throws {
        // A client registered for HS256: the token is signed with the client secret, which the service refuses.
        try await Self.withSignIn(clientAlgorithm: "HS256") { c in
            let (_, answer) = try await c.browser.signIn(at: c.base, user: "alice", password: "alice-password")
            #expect(answer.status == 400)
            #expect(Self.reason(answer) == "invalid-token")
            #expect(answer.body.contains("HS256"))
        }
    }

    @Test func aKeyRotationAtTheProviderIsFollowed() async throws {
        try await Self.withSignIn { c in
            let before = try await c.provider.json("/jwks")
            let (_, first) = try await c.browser.signIn(at: c.base, user: "alice", password: "alice-password")
            #expect(first.status == 303)
            try await c.provider.ctl("rotate-key")
            let after = try await c.provider.json("/jwks")
            let oldKid = ((before["keys"] as? [[String: Any]])?.first?["kid"] as? String)
            let newKids = (after["keys"] as? [[String: Any]])?.compactMap { $0["kid"] as? String } ?? []
            #expect(oldKid != nil && !newKids.contains(oldKid!), "the old key is gone")
            let later = TestBrowser()
            let (_, second) = try await later.signIn(at: c.base, user: "alice", password: "alice-password")
            #expect(second.status == 303, "signed with the new key: \(second.body.prefix(300))")
            #expect(try await c.client.get("/api/whoami", headers: try c.sessionHeader(later)).status == 200)
            await later.close()
        }
    }

    @Test func anUnknownIssuerAndADownProviderGetAPageAndChangeNothing() async throws {
        // The discovery document states its own issuer: one written differently is not it.
        try await Self.withSignIn(adjust: { $0.settings.issuer += "/" }) { c in
            let page = try await c.browser.get(c.base + "/auth/login")
            #expect(page.status == 400)
            #expect(Self.reason(page) == "unknown-issuer")
        }
        let port = try await freeLoopbackPort()
        try await Self.withSignIn(adjust: { $0.settings.issuer = "http://127.0.0.1:\(port)/openid" }) { c in
            let page = try await c.browser.get(c.base + "/auth/login")
            #expect(page.status == 503)
            #expect(Self.reason(page) == "provider-unavailable")
            #expect(page.headers["retry-after"] != nil)
            #expect(page.body.contains("Try again"))
            #expect(try await c.signInAudit().isEmpty)
        }
    }

    /// A clock the test moves forward.
    final class MovableClock: Sendable {
        private let offset = Mutex<TimeInterval>(0)
        func advance(minutes: Double) { offset.withLock { $0 += minutes * 60 } }
        func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    }

    @Test func sessionsEndAfterTheIdleAndTheAbsoluteTimeout() async throws {
        let clock = MovableClock()
        try await Self.withSignIn(adjust: {
            $0.now = { clock.now() }
            $0.settings.idleTimeoutSeconds = 30 * 60
            $0.settings.absoluteTimeoutSeconds = 60 * 60
        }) { c in
            // Both sessions open at the same time (the provider's ID tokens are checked against this clock too).
            let (_, first) = try await c.browser.signIn(at: c.base, user: "alice", password: "alice-password")
            #expect(first.status == 303)
            let idle = try c.sessionHeader()
            let busy = TestBrowser()
            let (_, second) = try await busy.signIn(at: c.base, user: "alice", password: "alice-password")
            #expect(second.status == 303)
            let session = try c.sessionHeader(busy)
            await busy.close()
            clock.advance(minutes: 19)
            #expect(try await c.client.get("/api/whoami", headers: idle).status == 200, "used within the idle timeout")
            #expect(try await c.client.get("/api/whoami", headers: session).status == 200)
            clock.advance(minutes: 19)
            #expect(try await c.client.get("/api/whoami", headers: session).status == 200)
            clock.advance(minutes: 19)
            #expect(try await c.client.get("/api/whoami", headers: session).status == 200)
            #expect(try await c.client.get("/api/whoami", headers: idle).status == 401, "unused for 38 minutes")
            clock.advance(minutes: 4)
            #expect(try await c.client.get("/api/whoami", headers: session).status == 401, "61 minutes after sign-in, however busy")
            let ends = try await c.signInAudit().filter { $0.action == "session.sign-out" }.compactMap(\.detail)
            #expect(ends == ["idle timeout", "absolute timeout"])
        }
    }

    // MARK: - ID tokens from the provider, checked directly

    /// An ID token the provider issued to `client` for alice (the test plays the client).
    static func issuedToken(_ provider: TestOpenIDProvider, client: String, nonce: String) async throws -> String {
        let redirect = "http://127.0.0.1:9/callback"
        try await provider.ctl("client", client, client + "-secret", "RS256", redirect)
        let browser = TestBrowser()
        let verifier = StaffSessions.randomValue()
        var authorize = URLComponents(string: provider.issuer + "/authorize")!
        authorize.queryItems = [
            .init(name: "response_type", value: "code"), .init(name: "client_id", value: client), .init(name: "redirect_uri", value: redirect),
            .init(name: "scope", value: "openid profile"), .init(name: "state", value: "s"), .init(name: "nonce", value: nonce),
            .init(name: "code_challenge", value: Base64URL.encode(SHA256.hash(data: Array(verifier.utf8)))),
            .init(name: "code_challenge_method", value: "S256"),
        ]
        var next = authorize.url!.absoluteString
        var code: String?
        for _ in 0..<6 where code == nil {
            if next.hasPrefix(redirect) { code = URLComponents(string: next)?.queryItems?.first { $0.name == "code" }?.value; break }
            let page = try await browser.get(next)
            if let location = page.location { next = location; continue }
            let csrf = try #require(TestBrowser.field("csrfmiddlewaretoken", in: page.body))
            let posted = try await browser.post(page.url, form: [("csrfmiddlewaretoken", csrf), ("username", "alice"), ("password", "alice-password"),
                                                                 ("next", TestBrowser.field("next", in: page.body) ?? "")])
            next = try #require(posted.location)
        }
        let token = try await browser.post(provider.issuer + "/token", form: [
            ("grant_type", "authorization_code"), ("code", try #require(code)), ("redirect_uri", redirect), ("client_id", client),
            ("client_secret", client + "-secret"), ("code_verifier", verifier),
        ])
        await browser.close()
        let json = try JSONSerialization.jsonObject(with: Data(token.body.utf8)) as? [String: Any]
        return try #require(json?["id_token"] as? String, "token endpoint: \(token.body.prefix(200))")
    }

    static func check(_ token: String, provider: TestOpenIDProvider, clientID: String, nonce: String = "n-1",
                      now: Date = Date()) async -> SignInFailure? {
        let keys = OpenIDProvider(issuer: provider.issuer, clientID: clientID, clientSecret: "unused", minimumKeyRefetch: 0, now: { now })
        let validator = IDTokenValidator(issuer: provider.issuer, clientID: clientID, clockSkew: 60)
        do throws(SignInFailure) {
            _ = try await validator.validate(token, nonce: nonce, now: now) { (kid, algorithm) throws(SignInFailure) in
                try await keys.verifier(kid: kid, algorithm: algorithm)
            }
            return nil
        } catch {
            return error
        }
    }

    @Test func providerTokensForAnotherAudienceTamperedOrUnsignedAreRefused() async throws {
        try await Self.withSignIn { c in
            let token = try await Self.issuedToken(c.provider, client: "other-app", nonce: "n-1")
            #expect(await Self.check(token, provider: c.provider, clientID: "other-app") == nil, "the untouched token passes")
            #expect(await Self.check(token, provider: c.provider, clientID: "sessionvault") == .invalidToken("issued for another client (audience)"))
            #expect(await Self.check(token, provider: c.provider, clientID: "other-app", nonce: "n-2") == .invalidToken("nonce does not match the sign-in"))
            #expect(await Self.check(token, provider: c.provider, clientID: "other-app", now: Date().addingTimeInterval(601 + 60))
                    == .invalidToken("expired"))

            let parts = token.split(separator: ".").map(String.init)
            var signature = try #require(Base64URL.decode(parts[2]))
            signature[10] ^= 0x01
            let tampered = [parts[0], parts[1], Base64URL.encode(signature)].joined(separator: ".")
            #expect(await Self.check(tampered, provider: c.provider, clientID: "other-app") == .invalidToken("bad signature"))

            let claimsBytes = try #require(Base64URL.decode(parts[1]))
            var claims = try #require(try JSONSerialization.jsonObject(with: Data(claimsBytes)) as? [String: Any])
            claims["preferred_username"] = "rita"
            claims["groups"] = ["records-officers"]
            let forgedClaims = Base64URL.encode(try JSONSerialization.data(withJSONObject: claims))
            #expect(await Self.check([parts[0], forgedClaims, parts[2]].joined(separator: "."), provider: c.provider, clientID: "other-app")
                    == .invalidToken("bad signature"))

            let unsignedHeader = Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8))
            let failure = await Self.check([unsignedHeader, parts[1], ""].joined(separator: "."), provider: c.provider, clientID: "other-app")
            #expect(failure.map { "\($0)" }?.contains("'none' is not allowed") == true, "\(String(describing: failure))")

            let headerBytes = try #require(Base64URL.decode(parts[0]))
            var header = try #require(try JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any])
            header["kid"] = "made-up"
            let unknownKey = [Base64URL.encode(try JSONSerialization.data(withJSONObject: header)), parts[1], parts[2]].joined(separator: ".")
            #expect(await Self.check(unknownKey, provider: c.provider, clientID: "other-app") == .invalidToken("signed with a key the provider does not publish"))
        }
    }

    // MARK: - The whole flow in a real browser

    @Test(.enabled(if: WebDriver.isAvailable && FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg"),
                   "needs Debian's chromium, chromium-driver and ffmpeg (make test installs them)"))
    func aClinicianSignsInThroughTheProviderInChromiumAndPlaysARecording() async throws {
        // People's tokens stay on here: the test makes the review copy with alice's token, as an integration would.
        try await Self.withSignIn(adjust: { $0.settings.peopleBearerTokens = true }) { c in
            var reader = BufferChunkReader(bytes: try await BrowserTests.makeWebM())
            let video = try await c.fixture.vault.ingest(IngestRequest(session: "S1", clinician: "alice", retentionClass: "care", actor: "test"),
                                                         from: &reader)
            #expect(try await c.client.request("POST", "/api/recordings/\(video.id)/review",
                                               headers: ["Authorization": "Bearer " + c.fixture.token("alice")]).status == 201)
            let browser = try await WebDriver()
            do {
                try await browser.emulateViewport(width: 1280, height: 900, scale: 1)
                try await browser.open(c.base + "/")
                try await browser.waitUntil("const a = document.getElementById('sso-box'); return a !== null && !a.hidden")
                _ = try await browser.run("document.getElementById('sso').click(); return true")
                // The provider's own login form.
                try await browser.waitAcrossPages("return document.getElementById('id_username') !== null")
                _ = try await browser.run("""
                    document.getElementById('id_username').value = 'alice';
                    document.getElementById('id_password').value = 'alice-password';
                    document.getElementById('login-submit').click(); return true
                    """)
                // Back on the service's page, signed in by the session cookie alone.
                try await browser.waitAcrossPages("return location.origin === '\(c.base)' && document.getElementById('who') !== null && "
                                                  + "document.getElementById('who').textContent === 'alice (clinician)'")
                try await browser.waitUntil("return document.querySelector('#recordings tbody tr[data-id=\"\(video.id)\"]') !== null")
                #expect(try await browser.run("return document.cookie.includes('svt_sid')") as? Bool == false, "the session cookie is HttpOnly")
                try await browser.screenshot("clinician-1-recordings")
                // Search and filters run on the server over what alice may see.
                _ = try await browser.run("document.getElementById('f-class').value = 'training'; document.getElementById('f-apply').click(); return true")
                try await browser.waitUntil("return !document.getElementById('empty').hidden && document.querySelectorAll('#recordings tbody tr').length === 0")
                _ = try await browser.run("document.getElementById('f-clear').click(); return true")
                try await browser.waitUntil("return document.querySelector('#recordings tbody tr[data-id=\"\(video.id)\"]') !== null")
                _ = try await browser.run("document.querySelector('#recordings tbody tr[data-id=\"\(video.id)\"] button.play').click(); return true")
                try await browser.waitUntil("const v = document.getElementById('player'); return v.readyState >= 1")
                _ = try await browser.run("const v = document.getElementById('player'); v.muted = true; v.play(); return true")
                try await browser.waitUntil("return document.getElementById('player').currentTime > 0.5")
                try await browser.waitUntil("return document.querySelectorAll('#audit tbody tr').length > 0")
                try await browser.screenshot("clinician-2-playing")
                try await browser.emulateViewport(width: 640, height: 900, scale: 2)
                try await browser.waitUntil("return window.innerWidth === 640")
                #expect(try await browser.run("return document.documentElement.scrollWidth <= window.innerWidth") as? Bool == true, "no sideways scroll at 200 %")
                try await browser.screenshot("clinician-3-zoom-200")
                // Sign out: the session ends here, then at the provider, which sends the browser back to the page.
                _ = try await browser.run("document.getElementById('signout').click(); return true")
                try await browser.waitAcrossPages("return location.href === '\(c.base)/' && document.getElementById('signout').hidden && "
                                                  + "!document.getElementById('sso-box').hidden")
                // The provider's session ended too: signing in again asks for the password.
                _ = try await browser.run("document.getElementById('sso').click(); return true")
                try await browser.waitAcrossPages("return document.getElementById('id_username') !== null")
            } catch {
                await browser.quit()
                throw error
            }
            await browser.quit()
            let trail = try await c.signInAudit()
            #expect(trail.contains { $0.action == "session.sign-in" && $0.actor.hasPrefix("user:alice@") && $0.outcome == "ok" })
            #expect(trail.contains { $0.action == "session.sign-out" && $0.actor.hasPrefix("user:alice@") })
            let reads = try await c.fixture.vault.auditLog().map(\.draft).filter { $0.action == "get" && $0.actor.hasPrefix("user:alice@") && $0.outcome == "ok" }
            #expect(!reads.isEmpty, "the player's reads are audited under alice's name")
        }
    }
}

extension WebDriver {
    /// ``waitUntil(_:seconds:)`` while the browser moves between sites: a script that fails
    /// because a page is being replaced is tried again.
    func waitAcrossPages(_ script: String, seconds: Double = 40) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? await run(script)) as? Bool == true { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw HTTPTestClient.ClientError(description: "timed out waiting for: \(script)")
    }
}
