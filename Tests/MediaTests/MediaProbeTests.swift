import Foundation
import Testing
@testable import Media
import VaultModel

struct MediaProbeTests {
    func probe(_ bytes: [UInt8], chunk: Int) -> MediaFacts? {
        var probe = MediaProbe()
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            bytes[start..<min(bytes.count, start + chunk)].withUnsafeBytes { probe.consume($0) }
        }
        return probe.facts()
    }

    @Test func handBuiltFileGivesItsTracksAndTheEndOfItsLastBlock() {
        var builder = WebMBuilder()
        builder.unknownSizes = true
        builder.clusters = [(0, WebMBuilder.simpleBlock([1])), (1000, WebMBuilder.simpleBlock(relative: 500, [2]))]
        let facts = probe(builder.build(), chunk: 3)
        #expect(facts == MediaFacts(container: "webm", durationSeconds: 1.5, videoCodec: "VP8", width: 64, height: 48))
    }

    @Test func garbageAndEmptyInputGiveNoFacts() {
        #expect(probe(Array("definitely not media".utf8), chunk: 5) == nil)
        #expect(probe([], chunk: 1) == nil)
        #expect(probe([0x1A, 0x45], chunk: 1) == nil)
    }

    @Test func factsLearntBeforeAFaultAreKept() {
        var builder = WebMBuilder()
        builder.clusters = [(0, WebMBuilder.simpleBlock([1]))]
        let bytes = builder.build() + [0x00, 0x00, 0x00]
        #expect(probe(bytes, chunk: 64)?.videoCodec == "VP8")
    }

    @Test(.enabled(if: FFmpeg.isAvailable, FFmpeg.reason))
    func ffmpegRecordingFedInSmallChunksGivesCodecsSizeAndDuration() async throws {
        let path = try await Fixtures.shared.recording("probe.webm", size: "320x240", seconds: 2, video: "libvpx-vp9", audioChannels: 1)
        let facts = try #require(probe(try [UInt8](Data(contentsOfFile: path)), chunk: 1000))
        let reference = try await FFmpeg.probe(path)
        #expect(facts.container == "webm")
        #expect(facts.videoCodec == "VP9" && facts.audioCodec == "Opus")
        #expect(facts.width == 320 && facts.height == 240)
        #expect(facts.audioChannels == 1 && facts.audioSampleRate == 48_000)
        #expect(abs((facts.durationSeconds ?? 0) - (reference.duration ?? -1)) < 0.01)
    }

    @Test(.enabled(if: FFmpeg.isAvailable, FFmpeg.reason))
    func liveRecordingWithoutDurationGetsItFromItsLastBlock() async throws {
        let source = try await Fixtures.shared.recording("probe-live-source.webm", seconds: 2)
        let live = try await LiveRemuxer.remux(try [UInt8](Data(contentsOfFile: source)), lacing: .none)
        let facts = try #require(probe(live, chunk: 4096))
        #expect(abs((facts.durationSeconds ?? 0) - 2) < 0.05)
    }
}

/// Sources and sinks that fail make a typed error, and the pipeline stops without hanging.
struct FailingStreamTests {
    struct Failure: Error {}

    struct FailingSource: MediaByteSource {
        var inner: MemoryByteSource
        var remaining: Int

        mutating func read(maxCount: Int) async throws -> [UInt8]? {
            guard remaining > 0 else { throw Failure() }
            remaining -= 1
            return try await inner.read(maxCount: maxCount)
        }
    }

    struct FailingSink: ByteSink {
        mutating func write(_ bytes: ArraySlice<UInt8>) async throws { throw Failure() }
    }

    @Test(.enabled(if: FFmpeg.isAvailable, FFmpeg.reason), arguments: ReviewProfile.allCases)
    func sourceFailingMidwayIsReportedAsSourceFailed(profile: ReviewProfile) async throws {
        let path = try await Fixtures.shared.recording("failing.webm", seconds: 2)
        var source = FailingSource(inner: MemoryByteSource(try [UInt8](Data(contentsOfFile: path)), chunkSize: 8192), remaining: 6)
        var sink = MemoryByteSink()
        await #expect { try await ReviewTranscoder(profile: profile).run(source: &source, sink: &sink) } throws: {
            ($0 as? MediaError)?.code == .sourceFailed
        }
    }

    @Test(.enabled(if: FFmpeg.isAvailable, FFmpeg.reason), arguments: ReviewProfile.allCases)
    func sinkFailingIsReportedAsSinkFailed(profile: ReviewProfile) async throws {
        let path = try await Fixtures.shared.recording("failing.webm", seconds: 2)
        var source = MemoryByteSource(try [UInt8](Data(contentsOfFile: path)))
        var sink = FailingSink()
        await #expect { try await ReviewTranscoder(profile: profile).run(source: &source, sink: &sink) } throws: {
            ($0 as? MediaError)?.code == .sinkFailed
        }
    }
}
