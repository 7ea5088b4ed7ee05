import Foundation
import Testing
import SessionVault
import VaultCrypto
@testable import VaultServer

/// Issue #19 item 3: the records officer works from the web page, signed in through the real
/// OpenID Provider. Every act goes through the vault's own operations and officer proof (the
/// signed-in user's own passphrase, sent with that act), and every change made with the session
/// cookie must pass the anti-forgery checks (the page's origin and the session's token).
@Suite("The records officer's web view", .serialized, .timeLimit(.minutes(30)),
       .enabled(if: TestOpenIDProvider.available, "needs PyPI's django-oidc-provider (scripts/test-servers/oidc-provider.sh install)"))
struct OfficerWebTests {
    /// A signed-in browser session as the page uses it: the cookie, the page's origin and the session's token.
    struct Page {
        var cookie: [String: String]
        var csrf: String
        var origin: String

        /// Headers of a change sent by the page.
        func change(token: String? = nil, origin: String? = nil, extra: [String: String] = [:]) -> [String: String] {
            var headers = cookie
            headers["Content-Type"] = "application/json"
            headers["Origin"] = origin ?? self.origin
            let presented = token ?? csrf
            if !presented.isEmpty { headers["X-CSRF-Token"] = presented }
            return headers.merging(extra) { $1 }
        }
    }

    static func signIn(_ c: SignInTests.Context, _ user: String, browser: TestBrowser? = nil) async throws -> Page {
        let browser = browser ?? c.browser
        let (_, answer) = try await browser.signIn(at: c.base, user: user, password: user + "-password")
        try #require(answer.status == 303, "sign-in as \(user): \(answer.status)")
        let cookie = try c.sessionHeader(browser)
        let who = try await c.client.get("/api/whoami", headers: cookie)
        return Page(cookie: cookie, csrf: try #require(try who.json()["csrfToken"] as? String, "whoami gives the page its token"), origin: c.base)
    }

    static func body(_ fields: [String: String]) throws -> HTTPTestClient.Body {
        .bytes(Array(try JSONSerialization.data(withJSONObject: fields)))
    }

    static let passphrase = ServerFixture.officerPassphrase

    static func pending(_ c: SignInTests.Context) async throws -> [RecordingID] {
        try await c.fixture.vault.dispositions(status: .pending).map(\.recording)
    }

    static func trail(_ c: SignInTests.Context, _ action: AuditAction) async throws -> [AuditDraft] {
        try await c.fixture.vault.auditLog().map(\.draft).filter { $0.action == action.rawValue }
    }

    @Test func anOfficerApprovesADisposalFromThePageWithTheirOwnPassphrase() async throws {
        try await SignInTests.withSignIn(officer: true) { c in
            let page = try await Self.signIn(c, "rita")
            let who = try await c.client.get("/api/whoami", headers: page.cookie)
            #expect(try who.json()["officer"] as? Bool == true)
            let queue = try await c.client.get("/api/officer/dispositions", headers: page.cookie)
            #expect(queue.status == 200)
            #expect(queue.text.contains(c.fixture.recordingA.description))
            let id = c.fixture.recordingA
            let approved = try await c.client.request("POST", "/api/officer/dispositions/\(id)/approve", headers: page.change(),
                                                      body: try Self.body(["passphrase": Self.passphrase, "reason": "appraised: no further value"]))
            #expect(approved.status == 200, "\(approved.text)")
            #expect(try approved.json()["by"] as? String == "officer:rita")
            let decided = try #require(try await c.fixture.vault.dispositions(status: nil).first { $0.recording == id })
            #expect(decided.status == .approved)
            #expect(decided.decidedBy == "officer:rita")
            #expect(decided.signature?.count == 96, "signed with rita's officer key, as from the CLI")
            let entries = try await Self.trail(c, .dispositionApprove)
            #expect(entries.count == 1)
            #expect(entries.first?.actor == "officer:rita")
            #expect(entries.first?.detail?.hasSuffix("; signed") == true)
            #expect(!approved.text.contains(Self.passphrase))
        }
    }

    @Test func anExtensionNeedsAFutureDateAndAReasonAndIsSigned() async throws {
        try await SignInTests.withSignIn(officer: true) { c in
            let page = try await Self.signIn(c, "rita")
            let id = c.fixture.recordingA
            let noReason = try await c.client.request("POST", "/api/officer/dispositions/\(id)/extend", headers: page.change(),
                                                      body: try Self.body(["passphrase": Self.passphrase, "until": "2099-01-01"]))
            #expect(noReason.status == 400)
            #expect(try await Self.pending(c) == [id])
            let extended = try await c.client.request("POST", "/api/officer/dispositions/\(id)/extend", headers: page.change(),
                                                      body: try Self.body(["passphrase": Self.passphrase, "until": "2099-01-01", "reason": "complaint open"]))
            #expect(extended.status == 200, "\(extended.text)")
            // Out of the queue, kept until the new day, the decision signed and audited as from the CLI.
            #expect(try await Self.pending(c).isEmpty)
            let record = try #require(try await c.fixture.vault.recordings(matching: RecordingFilter()).first { $0.id == id })
            #expect(record.dueOn?.description == "2099-01-01")
            let entries = try await Self.trail(c, .dispositionExtend)
            #expect(entries.map(\.actor) == ["officer:rita"])
            #expect(entries.first?.detail == "until 2099-01-01: complaint open; signed")
        }
    }

    @Test func aWrongPassphraseIsRefusedAuditedAndChangesNothing() async throws {
        try await SignInTests.withSignIn(officer: true) { c in
            let page = try await Self.signIn(c, "rita")
            let id = c.fixture.recordingA
            let refused = try await c.client.request("POST", "/api/officer/dispositions/\(id)/approve", headers: page.change(),
                                                     body: try Self.body(["passphrase": "not rita's passphrase"]))
            #expect(refused.status == 403)
            #expect(refused.text.contains("wrong passphrase"))
            let missing = try await c.client.request("POST", "/api/officer/dispositions/\(id)/approve", headers: page.change(),
                                                     body: try Self.body(["passphrase": ""]))
            #expect(missing.status == 400)
            #expect(try missing.json()["code"] as? String == "passphrase-missing")
            #expect(try await Self.pending(c) == [id])
            let proofs = try await Self.trail(c, .officerProof)
            #expect(proofs.contains { $0.actor == "officer:rita" && $0.outcome == "refused" && $0.detail == "wrong passphrase" })
            #expect(try await Self.trail(c, .dispositionApprove).isEmpty)
        }
    }

    @Test func holdsArePlacedAndReleasedFromThePageWithReasons() async throws {
        try await SignInTests.withSignIn(officer: true) { c in
            let page = try await Self.signIn(c, "rita")
            let placed = try await c.client.request("POST", "/api/officer/holds", headers: page.change(), body: try Self.body([
                "passphrase": Self.passphrase, "recording": c.fixture.recordingB.description, "reason": "litigation", "ref": "CASE-7"]))
            #expect(placed.status == 200, "\(placed.text)")
            let hold = try #require(try placed.json()["hold"] as? Int)
            let holds = try await c.fixture.vault.holds(includeReleased: false)
            #expect(holds.map(\.recording) == [c.fixture.recordingB])
            #expect(holds.first?.placedBy == "officer:rita")
            let listed = try await c.client.get("/api/officer/holds", headers: page.cookie)
            #expect(listed.text.contains("CASE-7"))
            let released = try await c.client.request("POST", "/api/officer/holds/\(hold)/release", headers: page.change(),
                                                      body: try Self.body(["passphrase": Self.passphrase, "reason": "case settled"]))
            #expect(released.status == 200, "\(released.text)")
            #expect(try await c.fixture.vault.holds(includeReleased: false).isEmpty)
            let entries = try await Self.trail(c, .holdRelease)
            #expect(entries.map(\.detail) == ["case settled"])
            #expect(entries.first?.actor == "officer:rita")
        }
    }

    @Test func theRequestRegisterShowsOverdueFirstWithDaysLeft() async throws {
        try await SignInTests.withSignIn(officer: true) { c in
            let rita = try await c.fixture.vault.proveOfficer("rita", passphrase: try .init(copying: Array(Self.passphrase.utf8)), for: .requests)
            let today = CivilDate(Date())
            _ = try await c.fixture.vault.addRequest(kind: .sar, received: today, reference: "SAR-NEW", by: .officer(rita))
            _ = try await c.fixture.vault.addRequest(kind: .sar, received: "2020-01-06", reference: "SAR-OLD", by: .officer(rita))
            let page = try await Self.signIn(c, "rita")
            let answer = try await c.client.get("/api/officer/requests", headers: page.cookie)
            #expect(answer.status == 200)
            let items = try #require(try answer.json()["items"] as? [[String: Any]])
            #expect(items.map { $0["reference"] as? String } == ["SAR-OLD", "SAR-NEW"])
            #expect(items.first?["state"] as? String == "overdue")
            #expect((items.last?["daysLeft"] as? Int ?? 0) >= 28)
        }
    }

    @Test func anOfficerStartsASubjectAccessExportReview() async throws {
        try await SignInTests.withSignIn(officer: true) { c in
            let page = try await Self.signIn(c, "rita")
            let started = try await c.client.request("POST", "/api/officer/exports", headers: page.change(),
                                                     body: try Self.body(["passphrase": Self.passphrase, "patient": ServerFixture.patientA]))
            #expect(started.status == 200, "\(started.text)")
            let review = try #require(try started.json()["review"] as? Int)
            #expect(try await c.fixture.vault.subjectAccessReview(Int64(review)).createdBy == "officer:rita")
            #expect(!started.text.contains(ServerFixture.patientA))
            let unknown = try await c.client.request("POST", "/api/officer/exports", headers: page.change(),
                                                     body: try Self.body(["passphrase": Self.passphrase, "patient": "9999999999"]))
            #expect(unknown.status == 400)
            #expect(!unknown.text.contains("9999999999"))
        }
    }

    @Test func aClinicianCannotUseTheOfficersViewNorActAsAnOfficer() async throws {
        try await SignInTests.withSignIn(officer: true) { c in
            let page = try await Self.signIn(c, "alice")
            let who = try await c.client.get("/api/whoami", headers: page.cookie)
            #expect(try who.json()["officer"] as? Bool == false)
            for path in ["/api/officer/dispositions", "/api/officer/holds", "/api/officer/requests"] {
                let read = try await c.client.get(path, headers: page.cookie)
                #expect(read.status == 403, "\(path)")
                #expect(try read.json()["code"] as? String == "not-an-officer")
            }
            // Even with the officer's passphrase: the act is proved as the signed-in user, never another.
            let act = try await c.client.request("POST", "/api/officer/dispositions/\(c.fixture.recordingA)/approve", headers: page.change(),
                                                 body: try Self.body(["passphrase": Self.passphrase]))
            #expect(act.status == 403)
            #expect(try await Self.pending(c) == [c.fixture.recordingA])
        }
    }

    // MARK: - Cross-site request forgery

    /// Sends an approval as `headers` say and checks that it was refused with `code` and changed nothing.
    static func expectRefused(_ c: SignInTests.Context, headers: [String: String], code: String) async throws {
        let answer = try await c.client.request("POST", "/api/officer/dispositions/\(c.fixture.recordingA)/approve", headers: headers,
                                                body: try body(["passphrase": passphrase]))
        #expect(answer.status == 403, "\(answer.text)")
        #expect(try answer.json()["code"] as? String == code)
        #expect(try await pending(c) == [c.fixture.recordingA], "nothing changed")
        #expect(try await trail(c, .officerProof).isEmpty, "refused before any proof was tried")
    }

    @Test func aChangeWithoutTheSessionsTokenIsRefused() async throws {
        try await SignInTests.withSignIn(officer: true) { c in
            let page = try await Self.signIn(c, "rita")
            var headers = page.change()
            headers["X-CSRF-Token"] = nil
            try await Self.expectRefused(c, headers: headers, code: "csrf-token-missing")
        }
    }

    @Test func aChangeWithAWrongTokenIsRefused() async throws {
        try await SignInTests.withSignIn(officer: true) { c in
            let page = try await Self.signIn(c, "rita")
            try await Self.expectRefused(c, headers: page.change(token: StaffSessions.randomValue()), code: "csrf-token-mismatch")
        }
    }

    @Test func aTokenFromAnotherSessionIsRefused() async throws {
        try await SignInTests.withSignIn(officer: true) { c in
            let page = try await Self.signIn(c, "rita")
            let otherBrowser = TestBrowser()
            let other = try await Self.signIn(c, "rita", browser: otherBrowser)
            await otherBrowser.close()
            #expect(other.csrf != page.csrf)
            try await Self.expectRefused(c, headers: page.change(token: other.csrf), code: "csrf-token-mismatch")
        }
    }

    @Test func aCrossSiteOriginIsRefused() async throws {
        try await SignInTests.withSignIn(officer: true) { c in
            let page = try await Self.signIn(c, "rita")
            try await Self.expectRefused(c, headers: page.change(origin: "http://attacker.example"), code: "csrf-cross-site")
            // Another port of the same host is another origin.
            try await Self.expectRefused(c, headers: page.change(origin: "http://127.0.0.1:1"), code: "csrf-cross-site")
            try await Self.expectRefused(c, headers: page.change(origin: "null"), code: "csrf-cross-site")
            // No Origin: Sec-Fetch-Site must say same-origin; with neither, refused.
            var noOrigin = page.change()
            noOrigin["Origin"] = nil
            try await Self.expectRefused(c, headers: noOrigin.merging(["Sec-Fetch-Site": "cross-site"]) { $1 }, code: "csrf-cross-site")
            try await Self.expectRefused(c, headers: noOrigin, code: "csrf-cross-site")
            // Signing someone out is refused the same way.
            let logout = try await c.client.request("POST", "/auth/logout", headers: page.change(origin: "http://attacker.example"))
            #expect(logout.status == 403)
            #expect(try await c.client.get("/api/whoami", headers: page.cookie).status == 200, "still signed in")
        }
    }

    @Test func bearerTokenRequestsAreNotCookieAuthenticatedAndNeedNoAntiForgeryToken() async throws {
        try await SignInTests.withSignIn(officer: true) { c in
            // rita's role is a machine role in this configuration, so her token works; no cookie, no Origin, no CSRF token.
            let answer = try await c.client.request("POST", "/api/officer/dispositions/\(c.fixture.recordingA)/approve",
                                                    headers: ["Authorization": "Bearer " + c.fixture.token("rita"), "Content-Type": "application/json"],
                                                    body: try Self.body(["passphrase": Self.passphrase]))
            #expect(answer.status == 200, "\(answer.text)")
            #expect(try await Self.pending(c).isEmpty)
        }
    }

    // MARK: - In a real browser

    /// Signs in through the provider's own login form in Chromium and waits for the page.
    static func signInInChromium(_ browser: WebDriver, _ c: SignInTests.Context, user: String, role: String) async throws {
        try await browser.open(c.base + "/")
        try await browser.waitUntil("const a = document.getElementById('sso-box'); return a !== null && !a.hidden")
        _ = try await browser.run("document.getElementById('sso').click(); return true")
        try await browser.waitAcrossPages("return document.getElementById('id_username') !== null")
        _ = try await browser.run("""
            document.getElementById('id_username').value = '\(user)';
            document.getElementById('id_password').value = '\(user)-password';
            document.getElementById('login-submit').click(); return true
            """)
        try await browser.waitAcrossPages("return location.origin === '\(c.base)' && document.getElementById('who') !== null && "
                                          + "document.getElementById('who').textContent === '\(user) (\(role))'")
    }

    @Test(.enabled(if: WebDriver.isAvailable, "needs Debian's chromium and chromium-driver (make test installs them)"))
    func anOfficerApprovesADisposalAndPlacesAHoldFromThePageInChromium() async throws {
        try await SignInTests.withSignIn(officer: true) { c in
            let a = c.fixture.recordingA.description
            let b = c.fixture.recordingB.description
            let browser = try await WebDriver()
            do {
                try await browser.emulateViewport(width: 1280, height: 900, scale: 1)
                try await Self.signInInChromium(browser, c, user: "rita", role: "records-officer")
                try await browser.waitUntil("return !document.getElementById('show-officer').hidden")
                _ = try await browser.run("document.getElementById('show-officer').click(); return true")
                try await browser.waitUntil("return document.querySelector('#queue tbody tr[data-id=\"\(a)\"]') !== null")
                try await browser.screenshot("officer-1-view")

                // Approve: the dialog asks for rita's own passphrase.
                _ = try await browser.run("document.querySelector('#queue tbody tr[data-id=\"\(a)\"] button.approve').click(); return true")
                try await browser.waitUntil("return document.getElementById('stepup').open")
                #expect(try await browser.run("return document.activeElement.id") as? String == "stepup-reason", "focus moves into the dialog")
                try await browser.screenshot("officer-2-step-up")
                _ = try await browser.run("""
                    document.getElementById('stepup-reason').value = 'appraised: no further value';
                    document.getElementById('stepup-passphrase').value = arguments[0];
                    document.getElementById('stepup-confirm').click(); return true
                    """, [Self.passphrase])
                try await browser.waitUntil("return document.getElementById('officer-status').textContent.startsWith('Approved')")
                #expect(try await browser.run("return document.getElementById('stepup-passphrase').value") as? String == "", "the passphrase is cleared")
                #expect(try await c.fixture.vault.dispositions(status: nil).first { $0.recording == c.fixture.recordingA }?.status == .approved)

                // Place a hold from the form, with the keyboard's Enter on the dialog.
                _ = try await browser.run("""
                    document.getElementById('hold-recording').value = arguments[0];
                    document.getElementById('hold-reason').value = 'litigation';
                    document.getElementById('hold-ref').value = 'CASE-7';
                    document.getElementById('hold-place').click(); return true
                    """, [b])
                try await browser.waitUntil("return document.getElementById('stepup').open && document.activeElement.id === 'stepup-passphrase'")
                _ = try await browser.run("document.getElementById('stepup-passphrase').value = arguments[0]; return true", [Self.passphrase])
                try await browser.press("\u{E007}")
                try await browser.waitUntil("return document.querySelectorAll('#holds tbody tr').length === 1")
                try await browser.waitUntil("return document.getElementById('officer-status').textContent.startsWith('Placed hold')")
                try await browser.screenshot("officer-3-hold-placed")
                #expect(try await c.fixture.vault.holds(includeReleased: false).map(\.recording) == [c.fixture.recordingB])

                // Keyboard: every control is a real button, link, input or select with a label, and focus is visible.
                #expect(try await browser.run("""
                    return [...document.querySelectorAll('input, select')].every(e => e.labels && e.labels.length > 0) &&
                           document.querySelectorAll('[onclick], [style], script:not([src])').length === 0
                    """) as? Bool == true)
                _ = try await browser.run("document.getElementById('show-recordings').focus(); return true")
                try await browser.press("\u{E004}")
                #expect(try await browser.run("return document.activeElement.id") as? String == "show-officer", "Tab follows the page's order")
                #expect(try await browser.run("return getComputedStyle(document.activeElement).outlineStyle") as? String == "solid", "visible focus")

                // 200 % zoom: 640 CSS pixels wide at two device pixels each; the page does not scroll sideways.
                try await browser.emulateViewport(width: 640, height: 900, scale: 2)
                try await browser.waitUntil("return window.innerWidth === 640")
                #expect(try await browser.run("return document.documentElement.scrollWidth <= window.innerWidth") as? Bool == true)
                try await browser.screenshot("officer-4-zoom-200")
            } catch {
                _ = try? await browser.screenshot("officer-failure")
                await browser.quit()
                throw error
            }
            await browser.quit()
            let approvals = try await Self.trail(c, .dispositionApprove)
            #expect(approvals.map(\.actor) == ["officer:rita"])
            #expect(try await Self.trail(c, .holdPlace).map(\.actor) == ["officer:rita"])
        }
    }
}
