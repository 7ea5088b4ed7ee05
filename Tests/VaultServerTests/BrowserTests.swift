import TestSupport
import Foundation
import SessionVault
import Testing
import VaultIndex

/// The web page in a real browser: headless Chromium (Debian's) driven by chromedriver.
@Suite("Web page in headless Chromium", .serialized, .timeLimit(.minutes(30)))
struct BrowserTests {
    /// A few seconds of VP8 + Opus WebM made by ffmpeg.
    static func makeWebM() async throws -> [UInt8] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("page-\(UUID().uuidString).webm")
        defer { try? FileManager.default.removeItem(at: file) }
        let made = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/ffmpeg"), [
            "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15", "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "8", "-c:v", "libvpx", "-b:v", "200k", "-c:a", "libopus", "-shortest", file.path])
        guard made.succeeded else { throw HTTPTestClient.ClientError(description: "ffmpeg failed: \(made.stderr)") }
        return Array(try Data(contentsOf: file))
    }

    @Test(.enabled(if: WebDriver.isAvailable && FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg"),
                   "needs Debian's chromium, chromium-driver and ffmpeg (make test installs them)"))
    func aClinicianSignsInListsRecordingsAndPlaysOneUntilTimeAdvances() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        var reader = BufferChunkReader(bytes: try await Self.makeWebM())
        let video = try await f.vault.ingest(IngestRequest(session: "S1", clinician: "alice", retentionClass: "care", actor: "test"), from: &reader)
        let token = f.token("alice")
        try await f.withServer { client, _ in
            let page = try await client.get("/")
            #expect(page.header("content-security-policy")?.contains("default-src 'none'") == true)
            let browser = try await WebDriver()
            do {
                try await browser.open("http://127.0.0.1:\(client.port)/")
                try await browser.waitUntil("return document.getElementById('token') !== null")
                _ = try await browser.run("document.getElementById('token').value = arguments[0]; document.getElementById('signin-button').click(); return true", [token])
                try await browser.waitUntil("return document.querySelectorAll('#recordings tbody tr').length === 2")
                let who = try await browser.run("return document.getElementById('who').textContent") as? String
                #expect(who == "alice (clinician)")
                let rowText = try await browser.run("return document.querySelector('#recordings tbody tr[data-id=\"\(video.id)\"]').textContent") as? String
                #expect(rowText?.contains("care") == true)
                // The review copy is made on request (a GET never makes one); the player then streams it.
                #expect(try await client.request("POST", "/api/recordings/\(video.id)/review", headers: ["Authorization": "Bearer " + token]).status == 201)
                _ = try await browser.run("document.querySelector('#recordings tbody tr[data-id=\"\(video.id)\"] button.play').click(); return true")
                try await browser.waitUntil("const v = document.getElementById('player'); return v.readyState >= 1")
                _ = try await browser.run("const v = document.getElementById('player'); v.muted = true; v.play(); return true")
                try await browser.waitUntil("return document.getElementById('player').currentTime > 0.5")
                // Seekable: jump ahead and keep playing (Range requests on the review stream).
                _ = try await browser.run("const v = document.getElementById('player'); v.currentTime = 5; return true")
                try await browser.waitUntil("const v = document.getElementById('player'); return v.currentTime > 5.2 && !v.error")
                // The audit view shows the player's own audited reads, by user and client address.
                try await browser.waitUntil("return document.getElementById('audit').textContent.includes('user:alice@127.0.0.1')")
            } catch {
                await browser.quit()
                throw error
            }
            await browser.quit()
            // The player's range reads of the stored copy are audited against the copy.
            let copies = try await f.vault.derivedRecordings(of: video.id)
            #expect(copies.count == 1)
            let copy = try #require(copies.first)
            #expect(copy.retentionClass == "review-copy")
            let reads = try await f.audit(copy.id).filter { $0.draft.action == "get" && $0.draft.outcome == "ok" }
            #expect(reads.contains { $0.draft.detail?.contains("range") == true && $0.draft.detail?.contains("review of \(video.id)") == true
                && $0.draft.actor == "user:alice@127.0.0.1" })
        }
    }
}
