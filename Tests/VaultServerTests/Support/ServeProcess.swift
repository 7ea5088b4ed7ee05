import TestSupport
import Foundation

/// The built `sessionvault` binary, run as operators run it.
enum ServeProcess {
    static var binary: URL { BuiltProduct.sessionvault }

    typealias Result = ChildProcess.Output

    /// Runs a command to completion.
    static func run(_ arguments: [String], environment: [String: String]) async throws -> Result {
        try await runTool(binary.path, arguments, environment: environment)
    }

    /// Runs any program (openssl, curl) to completion (see ``ChildProcess``: no cooperative-pool
    /// thread waits on it).
    static func runTool(_ path: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        try await ChildProcess.run(URL(fileURLWithPath: path), arguments,
                                   environment: TestEnvironment.inherited.merging(environment) { $1 })
    }

    /// A running `sessionvault serve`, stopped by SIGTERM (by its own pid) in `stop()`.
    final class Server: Sendable {
        let child: ChildProcess.Running
        let port: Int

        var process: Process { child.process }

        private init(child: ChildProcess.Running, port: Int) {
            self.child = child
            self.port = port
        }

        /// Starts the server and waits (without blocking a thread) until it names its port.
        static func start(arguments: [String], environment: [String: String]) async throws -> Server {
            // Tests that are not about audit checkpoints run without a signer (a vault with officers needs the flag then).
            let checkpoints = arguments.contains("--checkpoint-signer") ? [] : ["--without-checkpoints"]
            let child = try ChildProcess.Running(ServeProcess.binary, ["serve", "--listen", "127.0.0.1:0"] + checkpoints + arguments,
                                                 environment: TestEnvironment.inherited.merging(environment) { $1 })
            _ = try await child.waitForStderr(containing: "://127.0.0.1:", timeout: .seconds(60))
            let seen = child.stderrSoFar
            guard let range = seen.range(of: "://127.0.0.1:"), let port = Int(seen[range.upperBound...].prefix { $0.isNumber }) else {
                child.send(SIGKILL)
                _ = try? await child.finish()
                throw HTTPTestClient.ClientError(description: "serve did not start: \(seen)")
            }
            return Server(child: child, port: port)
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

        /// Asks the server to stop and waits until it has (blocking, but only for a graceful shutdown:
        /// it runs in `defer`).
        func stop() {
            guard !child.hasEnded else { return }
            child.send(SIGTERM)
            process.waitUntilExit()
        }
    }
}
