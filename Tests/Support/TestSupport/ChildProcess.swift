public import Foundation

/// Child processes for tests (the `sessionvault` binary, ffmpeg, age, openssl, psql), run without
/// blocking a thread of Swift's cooperative pool.
///
/// Why this exists: on a 2-core machine the cooperative pool has two threads, and Swift Testing runs
/// every async test on them. `Process.waitUntilExit()`, a blocking pipe read or `usleep` in a test
/// holds one of those threads for as long as the child runs; two such tests at once stall every
/// other test in the run (a PostgreSQL lock test once waited 18 s to get a turn). Here the wait is a
/// continuation resumed by the process's termination handler, output goes to files rather than pipes
/// (so a child can never block on a full pipe, and Foundation's pipe reads cannot trap on `EINTR`),
/// and the little blocking work left runs on a thread of its own (``onOwnThread(_:)``).
///
/// A child that leaves a daemon behind (a script starting a server) must not let the daemon inherit
/// its descriptors: with this toolchain's Foundation, the script was never reported as ended (it
/// stayed an unreaped zombie) while the server it started held a socket it had inherited. Such
/// scripts close inherited descriptors first (scripts/test-servers/postgres.sh does).
public enum ChildProcess {
    /// How a child ended, with everything it wrote. `status` -1 with reason `.exit`: the child ended
    /// but its status was lost (see ``Running/finish()``).
    public struct Output: Sendable {
        public var status: Int32
        public var reason: Process.TerminationReason
        public var stdout: Data
        /// Standard error, as text (diagnostics only).
        public var stderr: String

        /// Standard output, as text.
        public var out: String { String(decoding: stdout, as: UTF8.self) }
        /// Exited by itself with status 0.
        public var succeeded: Bool { reason == .exit && status == 0 }
    }

    /// Runs `executable` to completion. `environment` replaces the child's whole environment when
    /// given (callers usually merge into `ProcessInfo.processInfo.environment`); `stdin` is what the
    /// child reads (nothing, if nil).
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                           stdin: Data? = nil, currentDirectory: URL? = nil) async throws -> Output {
        let child = try Running(executable, arguments, environment: environment, stdin: stdin, currentDirectory: currentDirectory)
        return try await child.finish()
    }

    /// A started child whose output is collected in files until ``finish()``.
    public final class Running: @unchecked Sendable {
        // @unchecked: `process` is only started in `init` and then only signalled or read after it ended.
        public let process = Process()
        private let directory: URL
        private let ended: Ended

        public var pid: Int32 { process.processIdentifier }
        /// Whether the child has ended (its termination handler ran).
        public var hasEnded: Bool { ended.isSignalled }

        /// `stdin` is written to a file the child reads (it sees end of file after it); a test that
        /// feeds the child bit by bit passes `stdinPipe` instead and writes to it (``onOwnThread(_:)``).
        public init(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil, stdin: Data? = nil,
                    stdinPipe: Pipe? = nil, currentDirectory: URL? = nil) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let outURL = directory.appendingPathComponent("out"), errURL = directory.appendingPathComponent("err")
            for url in [outURL, errURL] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
            process.executableURL = executable
            process.arguments = arguments
            if let environment { process.environment = environment }
            if let currentDirectory { process.currentDirectoryURL = currentDirectory }
            let outHandle = try FileHandle(forWritingTo: outURL), errHandle = try FileHandle(forWritingTo: errURL)
            defer {
                try? outHandle.close()
                try? errHandle.close()
            }
            process.standardOutput = outHandle
            process.standardError = errHandle
            var inHandle: FileHandle?
            if let stdin {
                let inURL = directory.appendingPathComponent("in")
                try stdin.write(to: inURL)
                inHandle = try FileHandle(forReadingFrom: inURL)
            }
            defer { try? inHandle?.close() }
            if let stdinPipe {
                process.standardInput = stdinPipe
            } else {
                process.standardInput = inHandle ?? FileHandle.nullDevice
            }
            let ended = Ended()
            self.ended = ended
            process.terminationHandler = { process in ended.signal(status: process.terminationStatus, reason: process.terminationReason) }
            do {
                try process.run()
            } catch {
                try? FileManager.default.removeItem(at: directory)
                throw error
            }
        }

        /// The output files go with this object if ``finish()`` never ran (a server stopped in `defer`).
        deinit { try? FileManager.default.removeItem(at: directory) }

        /// What the child has written to standard error so far.
        public var stderrSoFar: String {
            (try? String(contentsOf: directory.appendingPathComponent("err"), encoding: .utf8)) ?? ""
        }

        /// Waits (without blocking a thread) until the child has written `text` to standard error,
        /// or has ended, or `timeout` has passed; returns whether the text appeared.
        public func waitForStderr(containing text: String, timeout: Duration) async throws -> Bool {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if stderrSoFar.contains(text) { return true }
                if ended.isSignalled { return stderrSoFar.contains(text) }
                try await Task.sleep(for: .milliseconds(20))
            }
            return stderrSoFar.contains(text)
        }

        /// Sends `signal` to the child (by its own pid; it has not been reaped while this object lives
        /// unless it ended, in which case the signal is harmless to no one else until `finish`).
        public func send(_ signal: Int32) {
            if !ended.isSignalled { kill(process.processIdentifier, signal) }
        }

        /// Waits for the child to end and returns what it wrote; removes the files.
        public func finish() async throws -> Output {
            // A watchdog for a child whose end Foundation never reports (another waiter in this
            // process reaped it first): once its pid is gone and the handler has still not run
            // 5 s later, it is reported as status -1 instead of hanging the test run.
            let ended = self.ended, pid = self.pid
            let watchdog = Task {
                var goneSince: ContinuousClock.Instant?
                while !Task.isCancelled, !ended.isSignalled {
                    try? await Task.sleep(for: .milliseconds(500))
                    if kill(pid, 0) == 0 { goneSince = nil; continue }
                    guard errno == ESRCH else { continue }
                    if let since = goneSince {
                        if ContinuousClock.now - since > .seconds(5) { ended.signal(status: -1, reason: .exit) }
                    } else {
                        goneSince = .now
                    }
                }
            }
            let (status, reason) = await ended.wait()
            watchdog.cancel()
            defer { try? FileManager.default.removeItem(at: directory) }
            return Output(status: status, reason: reason,
                          stdout: try Data(contentsOf: directory.appendingPathComponent("out")),
                          stderr: String(decoding: try Data(contentsOf: directory.appendingPathComponent("err")), as: UTF8.self))
        }
    }

    /// The end of a child, signalled once by its termination handler and awaited by anyone.
    final class Ended: @unchecked Sendable {
        private let lock = NSLock()
        private var result: (Int32, Process.TerminationReason)?
        private var waiters: [CheckedContinuation<(Int32, Process.TerminationReason), Never>] = []

        var isSignalled: Bool { lock.withLock { result != nil } }

        func signal(status: Int32, reason: Process.TerminationReason) {
            let waiting = lock.withLock { () -> [CheckedContinuation<(Int32, Process.TerminationReason), Never>] in
                guard result == nil else { return [] }  // the first end reported wins
                result = (status, reason)
                defer { waiters = [] }
                return waiters
            }
            for waiter in waiting { waiter.resume(returning: (status, reason)) }
        }

        func wait() async -> (Int32, Process.TerminationReason) {
            await withCheckedContinuation { continuation in
                let ready = lock.withLock { () -> (Int32, Process.TerminationReason)? in
                    if let result { return result }
                    waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}

/// Runs blocking work (a pipe write, a blocking read) on a thread of its own, never on one of the
/// cooperative pool's few threads.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
