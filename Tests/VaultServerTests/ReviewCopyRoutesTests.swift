import TestSupport
import Foundation
@_spi(Testing) @testable import SessionVault
import Testing
@testable import VaultIndex

/// Review copies over HTTP: a GET never writes (it used to transcode and store a copy as a side
/// effect of reading); a copy is made by POST, once, and dies with its source.
@Suite("Review copies over HTTP", .serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg"), "needs ffmpeg (make test installs it)"), .timeLimit(.minutes(30)))
struct ReviewCopyRoutesTests {
    @Test func getReviewNeverWritesAndPostMakesTheCopyOnce() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        var reader = BufferChunkReader(bytes: try await BrowserTests.makeWebM())
        let video = try await f.vault.ingest(IngestRequest(session: "S1", clinician: "alice", retentionClass: "care", actor: "test"), from: &reader)
        let auth = ["Authorization": "Bearer " + f.token("alice")]
        try await f.withServer { client, _ in
            let before = try await f.vault.catalog.recordings(RecordingFilter(states: Set(RecordingState.allCases))).count
            let read = try await client.get("/api/recordings/\(video.id)/review", token: f.token("alice"))
            #expect(read.status == 200 && read.header("x-review-source") == "original")
            #expect(try await f.vault.catalog.recordings(RecordingFilter(states: Set(RecordingState.allCases))).count == before,
                    "a GET stored nothing")
            #expect(try await f.vault.catalog.stagingRecords().isEmpty)

            let made = try await client.request("POST", "/api/recordings/\(video.id)/review", headers: auth)
            #expect(made.status == 201)
            let copyID = try #require(try made.json()["id"] as? String)
            #expect(made.header("location") == "/api/recordings/\(copyID)")
            let copyRecordingID = try #require(RecordingID(copyID))
            let copy = try #require(try await f.vault.catalog.recording(copyRecordingID))
            #expect(copy.sourceID == video.id && copy.retentionClass == "review-copy" && copy.session == "S1")
            #expect(copy.capturedOn == video.capturedOn)

            let again = try await client.request("POST", "/api/recordings/\(video.id)/review", headers: auth)
            let againJSON = try again.json()
            #expect(again.status == 200 && againJSON["id"] as? String == copyID && againJSON["created"] as? Bool == false)
            let served = try await client.get("/api/recordings/\(video.id)/review", token: f.token("alice"))
            #expect(served.header("x-review-source") == "derived" && served.body.count == Int(copy.byteCount))

            // Not WebM: nothing to transcode, nothing stored.
            let opaque = try await client.request("POST", "/api/recordings/\(f.recordingA)/review", headers: auth)
            #expect(opaque.status == 422)
            // Someone else's patient: as if it did not exist.
            #expect(try await client.request("POST", "/api/recordings/\(video.id)/review", headers: ["Authorization": "Bearer " + f.token("bob")]).status == 404)
        }
    }

    /// Issue #18 item 6 through the service: an Ogg Opus original gets its review copy (Opus in
    /// WebM) from `POST /review` as a WebM one does, and a Matroska file whose codec the transcoder
    /// refuses is answered 422 with the reason (it was 500), storing nothing.
    @Test func anOggOriginalGetsItsCopyAndARefusedCodecIsUnprocessable() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        func make(_ arguments: [String], suffix: String) async throws -> [UInt8] {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString).\(suffix)")
            defer { try? FileManager.default.removeItem(at: file) }
            let made = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/ffmpeg"), ["-v", "error", "-f", "lavfi"] + arguments + [file.path])
            guard made.succeeded else { throw HTTPTestClient.ClientError(description: "ffmpeg failed: \(made.stderr)") }
            return Array(try Data(contentsOf: file))
        }
        let ogg = try await make(["-i", "sine=frequency=440:sample_rate=48000", "-t", "3", "-c:a", "libopus", "-f", "ogg"], suffix: "ogg")
        let mkv = try await make(["-i", "testsrc=size=160x120:rate=15", "-t", "2", "-c:v", "mjpeg", "-f", "matroska"], suffix: "mkv")
        var oggReader = BufferChunkReader(bytes: ogg), mkvReader = BufferChunkReader(bytes: mkv)
        let audio = try await f.vault.ingest(IngestRequest(session: "S1", clinician: "alice", retentionClass: "care", actor: "test"), from: &oggReader)
        let refused = try await f.vault.ingest(IngestRequest(session: "S1", clinician: "alice", retentionClass: "care", actor: "test"), from: &mkvReader)
        #expect(audio.mediaType == "audio/ogg" && refused.mediaType == "video/x-matroska")
        let auth = ["Authorization": "Bearer " + f.token("alice")]
        try await f.withServer { client, _ in
            let made = try await client.request("POST", "/api/recordings/\(audio.id)/review", headers: auth)
            #expect(made.status == 201, "\(made.text)")
            let served = try await client.get("/api/recordings/\(audio.id)/review", token: f.token("alice"))
            #expect(served.status == 200 && served.header("x-review-source") == "derived")
            #expect(served.body.starts(with: [0x1A, 0x45, 0xDF, 0xA3]), "the copy is WebM")

            let unprocessable = try await client.request("POST", "/api/recordings/\(refused.id)/review", headers: auth)
            #expect(unprocessable.status == 422)
            #expect(unprocessable.text.contains("cannot be transcoded"), "\(unprocessable.text)")
            #expect(try await f.vault.derivedRecordings(of: refused.id).isEmpty)
            #expect(try await f.vault.catalog.stagingRecords().isEmpty)
        }
    }

    /// Issue #18 item 3: a supervision upload (a class in `[review] at_ingest`) is answered at the
    /// original's commit, with its review copy still being made from the same plaintext; the first
    /// `GET /review` waits for that copy and serves it, and `POST /review` finds it, not a second one.
    @Test func aSupervisionUploadIsAnsweredAtTheOriginalsCommitAndReviewServesTheCopyMadeFromIt() async throws {
        let f = try await ServerFixture.make()
        defer { f.remove() }
        try await f.vault.recordConsent(ConsentRequest(session: "S3", patientIdentifier: ServerFixture.patientA, scopes: ["care", "supervision"]),
                                        vaultPassphrase: f.passphrase, by: .unproven("test"))
        // The copy is held just before its chunks are stored until the test lets it go (at most a
        // minute: an upload that waited for its copy is answered only then, and fails below).
        let atCopy = DispatchSemaphore(value: 0), letGo = DispatchSemaphore(value: 0)
        f.vault.memo.installFaultInjector(FaultInjector { point in
            guard point == .reviewAtIngestBeforeChunks else { return }
            atCopy.signal()
            _ = letGo.wait(timeout: .now() + 60)
        })
        let webm = try await BrowserTests.makeWebM()
        try await f.withServer { client, _ in
            let uploaded = try await client.request("POST", "/api/recordings?session=S3&class=supervision",
                                                    headers: ["Authorization": "Bearer " + f.token("alice")], body: .bytes(webm))
            #expect(uploaded.status == 201)
            let answer = try uploaded.json()
            let id = try #require(answer["id"] as? String)
            let recordingID = try #require(RecordingID(id))
            #expect(answer["reviewCopyPending"] as? Bool == true && answer["reviewCopy"] == nil, "\(answer)")
            #expect(try await eventually(timeout: .seconds(120)) { atCopy.wait(timeout: .now()) == .success })
            #expect(try await f.vault.reviewCopy(of: recordingID) == nil, "answered before the copy was stored")

            let served = Task { try await client.get("/api/recordings/\(id)/review", token: f.token("sue")) }
            letGo.signal()
            let response = try await served.value
            let copy = try #require(try await f.vault.reviewCopy(of: recordingID))
            #expect(copy.sourceID == recordingID && copy.retentionClass == "review-copy" && copy.session == "S3")
            #expect(response.status == 200 && response.header("x-review-source") == "derived" && response.body.count == Int(copy.byteCount))
            let again = try await client.request("POST", "/api/recordings/\(id)/review", headers: ["Authorization": "Bearer " + f.token("alice")])
            let againJSON = try again.json()
            #expect(again.status == 200 && againJSON["created"] as? Bool == false && againJSON["id"] as? String == copy.id.description)
            #expect(try await f.vault.derivedRecordings(of: recordingID).count == 1)
        }
    }
}
