import Foundation
import Media

/// Test inputs made by ffmpeg once per test run into a temporary folder, and helpers to run a
/// transcode from and to files.
actor Fixtures {
    static let shared = Fixtures()

    let directory: String
    private var made: [String: Task<String, any Error>] = [:]

    private init() {
        directory = NSTemporaryDirectory() + "media-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// The path of fixture `name`, made by `arguments` (ffmpeg output options and inputs; the
    /// output path is appended) the first time it is asked for.
    func file(_ name: String, _ arguments: [String]) async throws -> String {
        try await file(name) { path in try await FFmpeg.make(arguments + [path]) }
    }

    /// The path of fixture `name`, made by `make` (given the path to write) the first time it is asked for.
    func file(_ name: String, make: @escaping @Sendable (String) async throws -> Void) async throws -> String {
        if let task = made[name] { return try await task.value }
        let path = directory + "/" + name
        let task = Task { () throws -> String in
            try await make(path)
            return path
        }
        made[name] = task
        return try await task.value
    }

    /// A `seconds`-long tone in Ogg Opus with `channels` channels, written by ffmpeg (`tool`
    /// "ffmpeg") or by opus-tools' opusenc from a WAV file (`tool` "opusenc").
    func oggOpus(tool: String, channels: Int, seconds: Double = 3) async throws -> String {
        let tone = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", String(seconds), "-ac", String(channels)]
        if tool == "ffmpeg" { return try await file("tone-ffmpeg-\(channels).opus", tone + ["-c:a", "libopus"]) }
        let wav = try await file("tone-\(channels).wav", tone)
        return try await file("tone-opusenc-\(channels).opus") { path in
            let result = try await FFmpeg.run("opusenc", ["--quiet", "--bitrate", "48", wav, path])
            guard result.status == 0 else { throw FixtureError.toolFailed("opusenc: \(result.stderr)") }
        }
    }

    /// A test pattern with a tone: `seconds` long, `size` like "320x240", with the given codecs.
    func recording(
        _ name: String, size: String = "320x240", rate: Int = 30, seconds: Double = 2, video: String = "libvpx",
        audioChannels: Int? = 2, extra: [String] = []
    ) async throws -> String {
        var arguments = ["-f", "lavfi", "-i", "testsrc2=size=\(size):rate=\(rate)"]
        if audioChannels != nil { arguments += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"] }
        arguments += ["-t", String(seconds), "-c:v", video]
        if video.hasPrefix("libvpx") { arguments += ["-b:v", "500k", "-deadline", "realtime", "-cpu-used", "8"] }
        if let audioChannels { arguments += ["-c:a", "libopus", "-ac", String(audioChannels)] }
        return try await file(name, arguments + extra)
    }

    func path(_ name: String) -> String { directory + "/" + name }
}

/// A file on disk as a byte source, read in chunks of `chunkSize`.
struct FileSource: MediaByteSource {
    private let handle: FileHandle
    private let chunkSize: Int

    init(_ path: String, chunkSize: Int = 64 << 10) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FixtureError.toolFailed("cannot open \(path)") }
        self.handle = handle
        self.chunkSize = chunkSize
    }

    mutating func read(maxCount: Int) async throws -> [UInt8]? {
        let data = try handle.read(upToCount: min(maxCount, chunkSize)) ?? Data()
        return data.isEmpty ? nil : [UInt8](data)
    }
}

enum Transcode {
    /// Runs `profile` on the file at `input` and writes the copy to `output`.
    static func file(_ input: String, to output: String, profile: ReviewProfile, options: TranscodeOptions = TranscodeOptions())
        async throws -> TranscodeReport
    {
        var source = try FileSource(input)
        var sink = MemoryByteSink()
        let report = try await ReviewTranscoder(profile: profile, options: options).run(source: &source, sink: &sink)
        try Data(sink.bytes).write(to: URL(fileURLWithPath: output))
        return report
    }

    /// Runs `profile` on bytes in memory.
    static func bytes(_ input: [UInt8], profile: ReviewProfile) async throws -> (TranscodeReport, [UInt8]) {
        var source = MemoryByteSource(input, chunkSize: 4096)
        var sink = MemoryByteSink()
        let report = try await ReviewTranscoder(profile: profile).run(source: &source, sink: &sink)
        return (report, sink.bytes)
    }
}

extension Data {
    init(contentsOfFile path: String) throws {
        self = try Data(contentsOf: URL(fileURLWithPath: path))
    }
}
