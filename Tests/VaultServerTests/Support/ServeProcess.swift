import Foundation

/// The built `sessionvault` binary, run as operators run it.
enum ServeProcess {
    static var binary: URL {
        if let explicit = ProcessInfo.processInfo.environment["SESSIONVAULT_BIN"] { return URL(fileURLWithPath: explicit) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("sessionvault")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repo.appendingPathComponent(".build/debug/sessionvault")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a command to completion.
    static func run(_ arguments: [String], environment: [String: String]) throws -> Result {
        try runTool(binary.path, arguments, environment: environment)
    }

    /// Runs any program (openssl, curl) to completion.
    static func runTool(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A running `sessionvault serve`, stopped by SIGTERM (by its own pid) in `stop()`.
    final class Server {
        let process = Process()
        let port: Int

        init(arguments: [String], environment: [String: String]) throws {
            process.executableURL = ServeProcess.binary
            process.arguments = ["serve", "--listen", "127.0.0.1:0"] + arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            var seen = ""
            var found: Int?
            let deadline = Date().addingTimeInterval(60)
            while found == nil, Date() < deadline, process.isRunning || !seen.isEmpty {
                let data = err.fileHandleForReading.availableData
                if data.isEmpty { break }
                seen += String(decoding: data, as: UTF8.self)
                if let range = seen.range(of: "://127.0.0.1:") {
                    let digits = seen[range.upperBound...].prefix { $0.isNumber }
                    found = Int(digits)
                }
            }
            guard let found else {
                if process.isRunning { process.terminate() }
                throw RawHTTPClient.ClientError(description: "serve did not start: \(seen)")
            }
            port = found
        }

        /// Peak resident memory of the server process, in bytes (VmHWM).
        var peakResidentBytes: Int64? { Self.memory("VmHWM:", pid: process.processIdentifier) }
        /// Current resident memory of the server process, in bytes (VmRSS).
        var residentBytes: Int64? { Self.memory("VmRSS:", pid: process.processIdentifier) }

        static func memory(_ field: String, pid: Int32) -> Int64? {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
                  let kib = Int64(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
            return kib * 1024
        }

        func stop() {
            if process.isRunning {
                kill(process.processIdentifier, SIGTERM)
                process.waitUntilExit()
            }
        }
    }
}
