import Foundation
import Media
@_spi(Testing) @testable import SessionVault
import TestSupport
import Testing

/// Issue #18 item 3: a recording of a class named in `[review] at_ingest` gets its review copy
/// from the plaintext on its way in (no second decryption), stored as a derived recording after the
/// original; the original is stored whatever becomes of the copy.
@Suite("Review copies made at ingest", .serialized,
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg"), "needs ffmpeg (make test installs it)"),
       .timeLimit(.minutes(20)))
struct ReviewAtIngestTests {
    /// A small VP8 + Opus WebM (or, with `codec: "mjpeg"`, a Matroska file the transcoder refuses).
    static func recording(codec: String = "libvpx", container: String = "webm", seconds: Int = 2) async throws -> [UInt8] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("review-at-ingest-\(UUID().uuidString).\(container == "webm" ? "webm" : "mkv")")
        defer { try? FileManager.default.removeItem(at: path) }
        let made = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/ffmpeg"), [
            "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "\(seconds)", "-c:v", codec, "-b:v", "800k", "-c:a", "libopus", "-ac", "2", "-f", container, path.path])
        guard made.succeeded else { throw CLIFailure(message: "ffmpeg: \(made.stderr)") }
        return Array(try Data(contentsOf: path))
    }

    static func makeVault() async throws -> TestVault {
        try await TestVault.make(scopes: ["care", "supervision"])
    }

    @Test func aSupervisionRecordingGetsTheReviewCopyThatReviewMakesStoredWithIt() async throws {
        let test = try await Self.makeVault()
        defer { test.remove() }
        let input = try await Self.recording()
        let summary = try await test.ingest(input, retentionClass: "supervision")
        let outcome = try #require(summary.reviewCopy, "a supervision recording asks for its review copy at ingest")
        let copyID = try #require(outcome.copy, "no copy: \(outcome.skipped ?? "")")

        // Linked exactly as a copy made by `review --store` is: same session, class review-copy, same wraps, due no later.
        let derived = try await test.vault.derivedRecordings(of: summary.id)
        #expect(derived.map(\.id) == [copyID])
        let copy = try #require(derived.first)
        #expect(copy.session == "S1" && copy.retentionClass == "review-copy" && copy.sourceID == summary.id && copy.mediaType == "video/webm")
        #expect(copy.capturedOn == summary.capturedOn)
        if let due = copy.dueOn, let sourceDue = summary.dueOn { #expect(due <= sourceDue) }
        for role in ["supervisor", "records-officer"] {
            #expect(try await test.vault.holdsWrap(copyID, role: role) == test.vault.holdsWrap(summary.id, role: role))
        }
        #expect(try await test.vault.reviewCopy(of: summary.id)?.id == copyID)

        // The original is untouched, and the copy is the one the review transcoder makes from the stored original.
        #expect(try await test.read(summary.id, as: "supervisor") == input)
        let stored = try await test.read(copyID, as: "supervisor")
        var today = MemoryByteSink()
        let role = try await test.vault.unlockRole("supervisor", passphrase: test.passphrase)
        let made = try await test.vault.review(summary.id, as: role, profile: .review, to: &today, actor: "test")
        #expect(Int64(stored.count) == copy.byteCount)
        #expect(copy.mediaFacts?.width == made.facts.width && copy.mediaFacts?.height == made.facts.height)
        #expect(copy.mediaFacts?.videoCodec == made.facts.videoCodec && copy.mediaFacts?.audioCodec == made.facts.audioCodec)
        let storedSeconds = try #require(copy.mediaFacts?.durationSeconds)
        let madeSeconds = try #require(made.facts.durationSeconds)
        #expect(abs(storedSeconds - madeSeconds) < 0.001)
        let storedSize = Double(stored.count), madeSize = Double(today.bytes.count)
        #expect(abs(storedSize - madeSize) <= 0.02 * madeSize, "stored \(stored.count) bytes, review makes \(today.bytes.count)")
    }

    /// The service's way: the ingest returns at the original's commit, the copy follows, a caller
    /// can wait for it, and closing the vault waits for it too.
    @Test func inTheBackgroundTheIngestReturnsAtTheOriginalsCommitAndCloseWaitsForTheCopy() async throws {
        let test = try await Self.makeVault()
        defer { test.remove() }
        // The background copy stops just before its chunks are stored until the test lets it go.
        let atCopy = DispatchSemaphore(value: 0), letGo = DispatchSemaphore(value: 0)
        test.vault.memo.installFaultInjector(FaultInjector { point in
            guard point == .reviewAtIngestBeforeChunks else { return }
            atCopy.signal()
            letGo.wait()
        })
        let input = try await Self.recording()
        var request = IngestRequest(session: "S1", clinician: "dr-a", retentionClass: "supervision", actor: "test")
        request.reviewCopyInBackground = true
        var reader = BufferChunkReader(bytes: input)
        let summary = try await test.vault.ingest(request, from: &reader)
        #expect(summary.reviewCopy == ReviewAtIngestOutcome(pending: true))
        // The original is committed and readable while its copy is still being made.
        #expect(try await test.read(summary.id, as: "supervisor") == input)
        try await PlaintextTeeTests.waitUntil { atCopy.wait(timeout: .now()) == .success }
        #expect(test.vault.reviewCopiesInProgress == 1)
        #expect(try await test.vault.reviewCopy(of: summary.id) == nil)
        letGo.signal()
        let outcome = try #require(await test.vault.reviewCopyInProgress(of: summary.id))
        let copyID = try #require(outcome.copy, "no copy: \(outcome.skipped ?? "")")
        #expect(outcome.pending == nil && (outcome.seconds ?? 0) > summary.seconds)
        #expect(try await test.vault.reviewCopy(of: summary.id)?.id == copyID)
        #expect(await test.vault.reviewCopyInProgress(of: summary.id) == nil, "a finished copy is no longer in progress")

        // A second one: close() returns only once its copy is stored.
        var again = BufferChunkReader(bytes: input)
        let second = try await test.vault.ingest(request, from: &again)
        try await PlaintextTeeTests.waitUntil { atCopy.wait(timeout: .now()) == .success }
        let closing = Task { await test.vault.close() }
        letGo.signal()
        await closing.value
        #expect(test.vault.reviewCopiesInProgress == 0)
        let reopened = try await Vault.open(at: VaultLayout(root: test.root))
        #expect(try await reopened.reviewCopy(of: second.id) != nil, "close() waited for the copy to be stored")
        await reopened.close()
    }

    /// The background is bounded: with every slot taken (one per core), an upload's ingest waits
    /// for its own copy instead of adding one more transcode after it has been answered.
    @Test func withEveryBackgroundSlotTakenTheIngestWaitsForItsOwnCopy() async throws {
        let test = try await Self.makeVault()
        defer { test.remove() }
        // The slots are taken by tasks that wait, without holding a thread, until the test ends them.
        let slots = test.vault.backgroundReviews.limit
        var releasers: [AsyncStream<Void>.Continuation] = []
        for _ in 0..<slots {
            let (release, releaser) = AsyncStream<Void>.makeStream()
            releasers.append(releaser)
            #expect(test.vault.backgroundReviews.start(RecordingID.random()) {
                for await _ in release {}
                return ReviewAtIngestOutcome(skipped: "test")
            })
        }
        #expect(!test.vault.backgroundReviews.start(RecordingID.random()) { ReviewAtIngestOutcome() }, "no slot beyond the limit")
        var request = IngestRequest(session: "S1", clinician: "dr-a", retentionClass: "supervision", actor: "test")
        request.reviewCopyInBackground = true
        var reader = BufferChunkReader(bytes: try await Self.recording(seconds: 1))
        let summary = try await test.vault.ingest(request, from: &reader)
        #expect(summary.reviewCopy?.pending == nil)
        let copyID = try #require(summary.reviewCopy?.copy, "\(String(describing: summary.reviewCopy))")
        #expect(try await test.vault.reviewCopy(of: summary.id)?.id == copyID)
        #expect(test.vault.reviewCopiesInProgress == slots)
        for releaser in releasers { releaser.finish() }
        await test.vault.close()
        #expect(test.vault.reviewCopiesInProgress == 0)
    }

    @Test func aCareRecordingGetsNoCopyAtIngestByDefault() async throws {
        let test = try await Self.makeVault()
        defer { test.remove() }
        let summary = try await test.ingest(try await Self.recording(seconds: 1), retentionClass: "care")
        #expect(summary.reviewCopy == nil)
        #expect(try await test.vault.derivedRecordings(of: summary.id).isEmpty)
    }

    @Test func aCodecTheTranscoderRefusesStoresTheOriginalAndAuditsWhyThereIsNoCopy() async throws {
        let test = try await Self.makeVault()
        defer { test.remove() }
        let input = try await Self.recording(codec: "mjpeg", container: "matroska", seconds: 1)
        let summary = try await test.ingest(input, retentionClass: "supervision")
        #expect(summary.mediaType == "video/x-matroska")
        let outcome = try #require(summary.reviewCopy)
        #expect(outcome.copy == nil)
        #expect(outcome.skipped?.contains("transcoder") == true, "\(outcome)")
        #expect(try await test.read(summary.id, as: "supervisor") == input)
        #expect(try await test.vault.derivedRecordings(of: summary.id).isEmpty)
        let trail = try await test.vault.auditLog(recording: summary.id)
        let skipped = trail.filter { $0.draft.action == "review" && $0.draft.outcome == "skipped" }
        #expect(skipped.count == 1)
        #expect(skipped.first?.draft.detail?.contains("no review copy made at ingest") == true)
    }

    @Test func bytesThatAreNotMediaAreNotTeedAndNeedNoAuditEntry() async throws {
        let test = try await Self.makeVault()
        defer { test.remove() }
        let input = pseudoRandomBytes(300_000, seed: 3)
        let summary = try await test.ingest(input, retentionClass: "supervision")
        #expect(summary.reviewCopy?.copy == nil)
        #expect(summary.reviewCopy?.skipped?.contains("application/octet-stream") == true)
        #expect(try await test.read(summary.id, as: "supervisor") == input)
        #expect(try await test.vault.auditLog(recording: summary.id).allSatisfy { $0.draft.action != "review" })
    }

    @Test func theConfigNamesTheClassesAndAnEmptyListTurnsItOff() throws {
        let base = VaultConfig.makeDefault(vaultID: "v")
        #expect(base.reviewAtIngest == ["supervision", "training"])
        let text = base.tomlText()
        #expect(try VaultConfig.parse(text, path: "c").reviewAtIngest == ["supervision", "training"])
        let off = text.replacingOccurrences(of: "at_ingest = [\"supervision\", \"training\"]", with: "at_ingest = []")
        #expect(try VaultConfig.parse(off, path: "c").reviewAtIngest == [])
        let care = text.replacingOccurrences(of: "at_ingest = [\"supervision\", \"training\"]", with: "at_ingest = [\"care\"]")
        #expect(try VaultConfig.parse(care, path: "c").reviewAtIngest == ["care"])
        #expect(throws: VaultError.self) { try VaultConfig.parse(text + "\n[review]\n", path: "c") }
        let unknown = text.replacingOccurrences(of: "at_ingest =", with: "at_upload =")
        #expect(throws: VaultError.self) { try VaultConfig.parse(unknown, path: "c") }
    }

    static let crashPoints = ["review-at-ingest.before-chunks", "review-at-ingest.after-chunks", "review-at-ingest.after-commit"]

    /// kill -9 at each step of storing the copy: the original is whole, the copy is whole or absent,
    /// fsck finds no error, and gc collects a copy that was staged but not committed.
    @Test(arguments: crashPoints)
    func anIngestKilledWhileStoringItsReviewCopyLeavesTheOriginalAndAWholeCopyOrNone(_ point: String) async throws {
        let cli = try await CLI.prepared()
        defer { cli.remove() }
        try await cli.expectOK(["consent", "record", "--session", "S2", "--patient", "9434765919", "--scope", "supervision"])
        let input = try await Self.recording()
        let file = cli.vault.deletingLastPathComponent().appendingPathComponent("in-\(UUID().uuidString).webm")
        try Data(input).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let crashed = try await cli.runKilled(at: point, ["ingest", file.path, "S2", "supervision"])
        #expect(crashed.reason == .uncaughtSignal && crashed.status == SIGKILL, "the ingest was meant to die at \(point): \(crashed.stderr)")

        func rows(_ retentionClass: String) async throws -> [[String: Any]] {
            try #require(try JSONSerialization.jsonObject(with: try await cli.expectOK(["ls", "--json", "--class", retentionClass]).stdout) as? [[String: Any]])
        }
        let originals = try await rows("supervision")
        let original = try #require(originals.first?["id"] as? String)
        #expect(originals.count == 1)
        #expect(try await cli.expectOK(["get", original, "--as", "records-officer"]).stdout == Data(input))
        let copies = try await rows("review-copy")
        #expect(copies.count == (point == "review-at-ingest.after-commit" ? 1 : 0))
        if let copy = copies.first?["id"] as? String {
            #expect(copies.first?["source"] as? String == original)
            let bytes = try await cli.expectOK(["get", copy, "--as", "supervisor"]).stdout
            #expect(bytes.count == copies.first?["bytes"] as? Int ?? bytes.count)
            #expect(bytes.starts(with: [0x1A, 0x45, 0xDF, 0xA3]))
        }
        let check = try await cli.run(["fsck"])
        #expect(check.status == 0, "\(check.out)")
        let gc = try #require(try JSONSerialization.jsonObject(with: try await cli.expectOK(["gc", "--json"]).stdout) as? [String: Any])
        #expect((gc["abandonedIngests"] as? [String])?.count == (point == "review-at-ingest.after-chunks" ? 1 : 0), "\(gc)")
        #expect(try await cli.expectOK(["fsck"]).out.contains("no problems"))
    }
}

/// The tee between the sealer and the review transcoder holds at most its budget (plus the chunk
/// being sent): a transcoder that falls behind holds the sealer, and one that gives up releases it.
@Suite("Plaintext tee", .timeLimit(.minutes(10)))
struct PlaintextTeeTests {
    actor Sent {
        var count = 0
        func add() { count += 1 }
    }

    @Test func aSlowConsumerHoldsTheProducerAtTheBudgetAndAnAbandonReleasesIt() async throws {
        let tee = PlaintextTee(budget: 10)
        let sent = Sent()
        let producer = Task {
            for _ in 0..<4 {
                await tee.send([UInt8](repeating: 1, count: 8))
                await sent.add()
            }
            await tee.finish()
        }
        try await Self.waitUntil { await sent.count == 2 }
        // The third send must not complete: given time to, it still has not (on a starved machine
        // this can only pass wrongly, never fail wrongly).
        try await Task.sleep(for: .milliseconds(200))
        #expect(await sent.count == 2, "16 bytes queued (>= the budget of 10): the third send waits")
        #expect(await tee.next()?.count == 8)
        try await Self.waitUntil { await sent.count == 3 }
        try await Task.sleep(for: .milliseconds(200))
        #expect(await sent.count == 3, "8 bytes taken leave 8 + 8 queued: the fourth send waits")
        await tee.abandon()
        await producer.value
        #expect(await sent.count == 4)
        #expect(await tee.next() == nil)
    }

    /// Waits for `condition`, which the test expects to become true, however slowly a loaded machine runs.
    static func waitUntil(_ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while await !condition() {
            try #require(ContinuousClock.now < deadline, "the expected state never came")
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test func theConsumerGetsEveryByteInOrderThenTheEnd() async throws {
        let tee = PlaintextTee(budget: 5)
        let input = pseudoRandomBytes(10_000, seed: 5)
        let producer = Task {
            var offset = 0
            while offset < input.count {
                let end = min(input.count, offset + 777)
                await tee.send(Array(input[offset..<end]))
                offset = end
            }
            await tee.finish()
        }
        var source = TeeByteSource(tee: tee)
        var received: [UInt8] = []
        while let bytes = try await source.read(maxCount: 300) { received += bytes }
        await producer.value
        #expect(received == input)
    }
}
