import TestSupport
import Foundation
import Testing

/// Runs ffmpeg and ffprobe for the tests that need real media; those tests are skipped (with this
/// reason) when the tools are not installed.
enum FFmpeg {
    static let reason: Comment = "ffmpeg and ffprobe are not installed; media round-trip tests are skipped"

    static let isAvailable: Bool = ["ffmpeg", "ffprobe"].allSatisfy { tool in
        ["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }

    typealias Result = ChildProcess.Output

    /// Runs `tool` (found on the PATH) to completion, without blocking a cooperative-pool thread
    /// (``ChildProcess``); output goes to files, not pipes.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) async throws -> Result {
        try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), [tool] + arguments)
    }

    /// Runs ffmpeg quietly and fails the test on a non-zero exit.
    static func make(_ arguments: [String]) async throws {
        let result = try await run("ffmpeg", ["-v", "error", "-nostdin", "-y"] + arguments)
        guard result.status == 0 else { throw FixtureError.toolFailed("ffmpeg \(arguments.joined(separator: " ")): \(result.stderr)") }
    }

    /// Streams and format of a file, as ffprobe reports them.
    static func probe(_ path: String) async throws -> ProbeResult {
        let result = try await run(
            "ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,codec_type,width,height,channels,sample_rate,start_time,r_frame_rate:format=duration", "-of", "json", path])
        guard result.status == 0 else { throw FixtureError.toolFailed("ffprobe \(path): \(result.stderr)") }
        return try JSONDecoder().decode(ProbeResult.self, from: result.stdout)
    }

    /// Decodes a file fully; returns ffmpeg's error output (empty when clean).
    static func decodeErrors(_ path: String) async throws -> String {
        let result = try await run("ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-f", "null", "-"])
        return result.status == 0 ? result.stderr : "exit \(result.status): \(result.stderr)"
    }

    /// The number of video frames ffprobe counts by decoding.
    static func countFrames(_ path: String) async throws -> Int {
        let result = try await run(
            "ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path])
        return Int(result.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}

extension FFmpeg {
    /// Whether opus-tools' opusenc is installed (the Makefile installs it with ffmpeg).
    static let hasOpusenc = ["/usr/bin", "/usr/local/bin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/opusenc") }

    /// The size and MD5 of every audio packet of a file, as ffmpeg's demuxer hands them out (no decoding).
    static func audioPacketHashes(_ path: String) async throws -> [String] {
        let result = try await run("ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-map", "0:a:0", "-c", "copy", "-f", "framemd5", "-"])
        guard result.status == 0 else { throw FixtureError.toolFailed("framemd5 \(path): \(result.stderr)") }
        return result.out.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            line.split(separator: ",").suffix(2).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        }
    }

    /// The mean SSIM (all planes) of the video of `copy` against the video of `source` converted by
    /// ffmpeg itself to 8-bit 4:2:0 at `width`x`height` (bicubic); frames are paired by timestamp.
    static func ssim(_ copy: String, against source: String, width: Int, height: Int) async throws -> Double {
        let filter = "[1:v]scale=\(width):\(height):flags=bicubic,format=yuv420p[ref];[0:v]format=yuv420p[ours];[ours][ref]ssim"
        let result = try await run("ffmpeg", ["-nostdin", "-i", copy, "-i", source, "-lavfi", filter, "-f", "null", "-"])
        guard result.status == 0, let range = result.stderr.range(of: "All:") else {
            throw FixtureError.toolFailed("ssim: \(result.stderr.suffix(500))")
        }
        return Double(result.stderr[range.upperBound...].prefix { $0 == "." || $0.isNumber }) ?? 0
    }
}

enum FixtureError: Error {
    case toolFailed(String)
}

struct ProbeResult: Decodable {
    struct Stream: Decodable {
        var codec_name: String?
        var codec_type: String?
        var width: Int?
        var height: Int?
        var channels: Int?
        var sample_rate: String?
        var start_time: String?
        var r_frame_rate: String?
    }

    struct Format: Decodable {
        var duration: String?
    }

    var streams: [Stream]
    var format: Format

    var video: Stream? { streams.first { $0.codec_type == "video" } }
    var audio: Stream? { streams.first { $0.codec_type == "audio" } }
    var duration: Double? { format.duration.flatMap(Double.init) }
}

