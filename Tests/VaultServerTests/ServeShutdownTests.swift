import Foundation
import TestSupport
import Testing

/// `serve` answers an upload at the original's commit and finishes its review copy in the
/// background; stopped by SIGTERM, it finishes that copy before it exits, so a graceful restart
/// loses no copy (docs/DEPLOYMENT.md).
@Suite("serve finishes review copies before it stops", .serialized,
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg"), "needs ffmpeg (make test installs it)"),
       .timeLimit(.minutes(10)))
struct ServeShutdownTests {
    @Test func aSIGTERMRightAfterAnUploadLeavesItsReviewCopyStored() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("serve-stop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let environment = ["SESSIONVAULT_PASSPHRASE": "serve stop passphrase", "SESSIONVAULT_DIR": root.path]
        for arguments in [["init", "--kdf", "interactive"], ["role", "add", "clinician"], ["role", "add", "supervisor"],
                          ["role", "add", "records-officer"],
                          ["consent", "record", "--session", "S1", "--patient", "9434765919", "--scope", "care", "--scope", "supervision"]] {
            let result = try await ServeProcess.run(arguments, environment: environment)
            try #require(result.status == 0, "\(arguments.first ?? ""): \(result.stderr)")
        }
        let added = try await ServeProcess.run(["user", "add", "alice", "--role", "clinician", "--patient", "9434765919"], environment: environment)
        try #require(added.status == 0, "user add: \(added.stderr)")
        let token = added.out.trimmingCharacters(in: .whitespacesAndNewlines)
        // Long enough that its copy is still being made when the answer comes.
        let file = root.deletingLastPathComponent().appendingPathComponent("serve-stop-\(UUID().uuidString).webm")
        defer { try? FileManager.default.removeItem(at: file) }
        let made = try await ServeProcess.runTool("/usr/bin/ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "20", "-c:v", "libvpx", "-b:v", "1M", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus", file.path])
        try #require(made.status == 0, "ffmpeg: \(made.stderr)")

        let server = try await ServeProcess.Server.start(arguments: [], environment: environment)
        defer { server.stop() }
        let uploaded = try await HTTPTestClient(port: server.port).request(
            "POST", "/api/recordings?session=S1&class=supervision", headers: ["Authorization": "Bearer " + token],
            body: .bytes(Array(try Data(contentsOf: file))))
        #expect(uploaded.status == 201)
        let answer = try uploaded.json()
        let id = try #require(answer["id"] as? String)
        #expect(answer["reviewCopyPending"] as? Bool == true, "the copy was still being made when the upload was answered: \(answer)")

        server.child.send(SIGTERM)
        let ended = try await server.child.finish()
        #expect(ended.reason == .exit && ended.status == 0, "serve stopped cleanly: \(ended.stderr)")
        let listing = try await ServeProcess.run(["ls", "--class", "review-copy", "--json"], environment: environment)
        try #require(listing.status == 0, "ls: \(listing.stderr)")
        let copies = try #require(try JSONSerialization.jsonObject(with: listing.stdout) as? [[String: Any]])
        #expect(copies.count == 1 && copies.first?["source"] as? String == id, "the copy was stored before serve exited: \(copies)")
        let check = try await ServeProcess.run(["fsck"], environment: environment)
        #expect(check.status == 0, "\(check.out)")
    }
}
