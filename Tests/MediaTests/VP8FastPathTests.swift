import Foundation
import Testing
@testable import Media

/// The VP8 fast path of the review profile: frames the 15 fps copy drops and nothing depends on are
/// left undecoded, runs between key frames are decoded by several decoders side by side, and
/// libvpx's own threads (token partitions) are used. Each must give exactly the copy that one
/// decoder decoding every frame gives.
@Suite(.timeLimit(.minutes(10)))
struct VP8FastPathTests {
    /// The plain path: one decoder lane, every frame decoded.
    static var decodeEverything: TranscodeOptions {
        var options = TranscodeOptions()
        options.decoderLanes = 1
        options.skipsUnreferencedFrames = false
        return options
    }

    static func review(_ input: [UInt8], _ options: TranscodeOptions = TranscodeOptions()) async throws -> (TranscodeReport, [UInt8]) {
        var source = MemoryByteSource(input, chunkSize: 4096)
        var sink = MemoryByteSink()
        let report = try await ReviewTranscoder(profile: .review, options: options).run(source: &source, sink: &sink)
        return (report, sink.bytes)
    }

    @Test func headerParserAgreesWithLibvpxOnWhichFramesRefreshAReference() throws {
        let packets = try VP8Stream(frames: 40, keyframeInterval: 20, twoLayers: true).packets()
        let decoder = try VPXDecoder(codec: .vp8, threads: 1)
        var unreferenced = 0
        for (index, packet) in packets.enumerated() {
            let header = try #require(VP8FrameHeader(packet.data))
            try decoder.decode(packet.data) { _ in }
            let refreshed = try #require(decoder.lastReferenceUpdates)
            #expect(header.isKeyframe == packet.isKeyframe, "frame \(index)")
            #expect(header.showsFrame, "frame \(index)")
            if header.isKeyframe { #expect(header.width == 320 && header.height == 240) }
            // libvpx reports reference buffers only; the header also counts entropy and segmentation.
            if !header.updatesDecoderState {
                unreferenced += 1
                #expect(refreshed == 0, "frame \(index) refreshed \(refreshed)")
            }
            // Base-layer frames always refresh; libvpx's encoder may still send a segmentation or
            // loop-filter-delta update in a top-layer frame, which makes it one to decode.
            if index % 2 == 0 { #expect(header.updatesDecoderState, "frame \(index)") }
        }
        #expect(unreferenced >= 15, "only \(unreferenced) of 20 top-layer frames found unreferenced")
    }

    @Test func truncatedOrForeignFramesAreLeftToLibvpx() {
        #expect(VP8FrameHeader([0x10, 0x00]) == nil)
        // A key frame tag without the start code.
        #expect(VP8FrameHeader([0x10, 0x02, 0x00, 0x00, 0x00, 0x00, 0x40, 0x01, 0xf0, 0x00]) == nil)
        // An inter frame whose first partition is longer than the frame: treated as a reference.
        let header = VP8FrameHeader([0x11, 0x10, 0x00, 0x00, 0x00])
        #expect(header?.updatesDecoderState == true && header?.isKeyframe == false)
    }

    @Test func droppedUnreferencedFramesAreNotDecodedAndTheCopyIsTheSame() async throws {
        let input = try VP8Stream(frames: 60, keyframeInterval: 30, twoLayers: true).webm()
        let (plain, plainCopy) = try await Self.review(input, Self.decodeEverything)
        let (fast, fastCopy) = try await Self.review(input)
        #expect(plain.framesDecoded == 60 && plain.framesSkipped == 0)
        // The odd frames are the top layer: exactly the ones a 15 fps copy drops. Most of them are
        // left undecoded (see the header test for the few that carry a state update).
        #expect(fast.framesSkipped >= 20, "skipped \(fast.framesSkipped)")
        #expect(fast.framesDecoded + fast.framesSkipped == 60 && fast.framesDropped == 30)
        #expect(fast.framesEncoded == 30 && plain.framesEncoded == 30)
        #expect(fastCopy == plainCopy, "the copy differs when unreferenced frames are skipped")
    }

    @Test func referenceFramesThatAreDroppedAreStillDecoded() async throws {
        // Every frame refreshes the last-frame buffer: nothing may be skipped.
        let input = try VP8Stream(frames: 30).webm()
        let (report, copy) = try await Self.review(input)
        let (_, plainCopy) = try await Self.review(input, Self.decodeEverything)
        #expect(report.framesDecoded == 30 && report.framesSkipped == 0 && report.framesDropped == 15)
        #expect(copy == plainCopy)
    }

    @Test(arguments: [1, 2, 3])
    func decoderLanesGiveTheSameCopyAsOneDecoder(lanes: Int) async throws {
        // Key frames every 10 frames: units alternate lanes; and one long run, which stays on one.
        for interval in [10, nil] as [Int?] {
            let input = try VP8Stream(frames: 90, keyframeInterval: interval).webm()
            var options = TranscodeOptions()
            options.decoderLanes = lanes
            let (report, copy) = try await Self.review(input, options)
            let (plain, plainCopy) = try await Self.review(input, Self.decodeEverything)
            #expect(report.framesDecoded == 90 && report.framesEncoded == plain.framesEncoded)
            #expect(copy == plainCopy, "\(lanes) lanes, key frames every \(interval ?? 0)")
        }
    }

    @Test func multiThreadedDecodeEqualsSingleThreadedBitForBit() throws {
        // Eight token partitions: libvpx decodes macroblock rows on several threads.
        let packets = try VP8Stream(width: 640, height: 360, frames: 30, log2TokenPartitions: 3).packets()
        func pictures(threads: Int) throws -> [[UInt8]] {
            let decoder = try VPXDecoder(codec: .vp8, threads: threads)
            var pictures: [[UInt8]] = []
            for packet in packets {
                try decoder.decode(packet.data) { picture in
                    var bytes: [UInt8] = []
                    for (plane, stride, rows, width) in [
                        (picture.y, picture.yStride, picture.height, picture.width),
                        (picture.u, picture.uStride, picture.height / 2, picture.width / 2),
                        (picture.v, picture.vStride, picture.height / 2, picture.width / 2),
                    ] {
                        for row in 0..<rows { bytes += UnsafeBufferPointer(start: plane + row * stride, count: width) }
                    }
                    pictures.append(bytes)
                }
            }
            return pictures
        }
        let single = try pictures(threads: 1)
        let threaded = try pictures(threads: 4)
        #expect(single.count == 30)
        #expect(threaded == single)
    }
}

/// The fast path on ffmpeg's streams, with audio (which rides along in the lanes' units).
@Suite(.enabled(if: FFmpeg.isAvailable, FFmpeg.reason), .timeLimit(.minutes(10)))
struct VP8FastPathFFmpegTests {
    let fixtures = Fixtures.shared

    @Test func lanesAndSkippingGiveTheSameCopyOnAnFFmpegRecordingWithAudio() async throws {
        let input = try await fixtures.recording("vp8-g10.webm", size: "640x360", seconds: 3, extra: ["-g", "10"])
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: input)))
        let (fast, fastCopy) = try await VP8FastPathTests.review(bytes)
        let (plain, plainCopy) = try await VP8FastPathTests.review(bytes, VP8FastPathTests.decodeEverything)
        #expect(fast.framesDecoded == 90 && fast.framesSkipped == 0)
        #expect(fast.audioPacketsEncoded == plain.audioPacketsEncoded && fast.audioPacketsEncoded > 0)
        #expect(fastCopy == plainCopy)
        let output = await fixtures.path("vp8-g10.review.webm")
        try Data(fastCopy).write(to: URL(fileURLWithPath: output))
        try await ReviewCopyCheck.review(output, source: input, sourcePictureAspect: 16.0 / 9)
    }
}
