import Foundation
import Testing
@testable import Media

/// The checks every review copy must pass: ffprobe sees VP8 within 640x360 (even sizes) and mono
/// Opus, the duration is within one output frame of the source's, audio starts where it started
/// in the source relative to video, and ffmpeg decodes the whole file without an error.
enum ReviewCopyCheck {
    static let frame = 1.0 / 15

    static func review(_ output: String, source: String, expectAudio: Bool = true, sourcePictureAspect: Double? = nil) async throws {
        let out = try await FFmpeg.probe(output)
        let src = try await FFmpeg.probe(source)
        let video = try #require(out.video)
        #expect(video.codec_name == "vp8")
        let width = try #require(video.width)
        let height = try #require(video.height)
        #expect(width <= 640 && height <= 360 && width % 2 == 0 && height % 2 == 0)
        #expect(width == 640 || height == 360)
        if let aspect = sourcePictureAspect {
            #expect(abs(Double(width) / Double(height) - aspect) < 0.02)
        }
        if expectAudio {
            let audio = try #require(out.audio)
            #expect(audio.codec_name == "opus")
            #expect(audio.channels == 1)
            // Audio stays where it was relative to video.
            let outOffset = (Double(audio.start_time ?? "0") ?? 0) - (Double(video.start_time ?? "0") ?? 0)
            let srcOffset = (Double(src.audio?.start_time ?? "0") ?? 0) - (Double(src.video?.start_time ?? "0") ?? 0)
            #expect(abs(outOffset - srcOffset) < frame, "audio/video offset \(outOffset) vs source \(srcOffset)")
        }
        try durationMatches(out, src)
        #expect(try await FFmpeg.decodeErrors(output) == "")
        try layout(of: [UInt8](Data(contentsOfFile: output)))
    }

    /// The file is seekable: SeekHead, Info with Duration, Cues; every cluster starts with a video
    /// key frame and spans at most five seconds.
    static func layout(of bytes: [UInt8]) throws {
        var reader = EBMLReader()
        bytes.withUnsafeBytes { reader.append($0) }
        var seen: Set<UInt32> = []
        var clusterStarts: [Int64] = []
        var clusterTime: Int64 = 0
        var awaitingFirstBlock = false
        while let event = try reader.next() {
            switch event {
            case .enter(let header): seen.insert(header.id)
            case .skipped(let header): seen.insert(header.id)
            case .element(let header, let payload):
                seen.insert(header.id)
                if header.id == MatroskaID.timestamp {
                    clusterTime = payload.reduce(0) { $0 << 8 | Int64($1) }
                    clusterStarts.append(clusterTime)
                    awaitingFirstBlock = true
                } else if header.id == MatroskaID.simpleBlock, awaitingFirstBlock, payload[0] == 0x81 {
                    #expect(payload[3] & 0x80 != 0, "cluster at \(clusterTime) ms starts with a non-key frame")
                    awaitingFirstBlock = false
                }
            default: break
            }
        }
        #expect(seen.isSuperset(of: [MatroskaID.seekHead, MatroskaID.info, MatroskaID.duration, MatroskaID.tracks, MatroskaID.cues]))
        #expect(!clusterStarts.isEmpty)
        for (start, next) in zip(clusterStarts, clusterStarts.dropFirst()) {
            #expect(next - start <= 5_000, "a cluster spans \(next - start) ms")
        }
    }

    static func audio(_ output: String, source: String) async throws {
        let out = try await FFmpeg.probe(output)
        let src = try await FFmpeg.probe(source)
        let audio = try #require(out.audio)
        #expect(audio.codec_name == "opus")
        #expect(out.video == nil)
        #expect(audio.channels == src.audio?.channels)
        try durationMatches(out, src, tolerance: 0.03)
        #expect(try await FFmpeg.decodeErrors(output) == "")
    }

    static func durationMatches(_ out: ProbeResult, _ src: ProbeResult, tolerance: Double = frame) throws {
        let outDuration = try #require(out.duration)
        if let srcDuration = src.duration {
            #expect(abs(outDuration - srcDuration) <= tolerance, "duration \(outDuration) vs source \(srcDuration)")
        }
    }
}
