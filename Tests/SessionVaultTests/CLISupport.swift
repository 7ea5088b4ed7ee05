import TestSupport
import Foundation

/// Runs the built `sessionvault` binary as a child process, as operators and scripts do.
struct CLI {
    let vault: URL
    let environment: [String: String]

    static var binary: URL { BuiltProduct.sessionvault }

    init(passphrase: String = "cli test passphrase", extra: [String: String] = [:]) {
        vault = FileManager.default.temporaryDirectory.appendingPathComponent("cli-vault-\(UUID().uuidString)")
        var env = TestEnvironment.inherited.merging(extra) { $1 }
        env["SESSIONVAULT_DIR"] = vault.path
        env["SESSIONVAULT_PASSPHRASE"] = passphrase
        env.merge(extra) { $1 }
        environment = env
    }

    private init(vault: URL, environment: [String: String]) {
        self.vault = vault
        self.environment = environment
    }

    /// The same vault, run with more environment (e.g. acting as an officer).
    func with(_ extra: [String: String]) -> CLI { CLI(vault: vault, environment: environment.merging(extra) { $1 }) }

    typealias Result = ChildProcess.Output

    /// Runs one command to completion (see ``ChildProcess``: no cooperative-pool thread waits on it).
    @discardableResult
    func run(_ arguments: [String], stdin: Data? = nil, environment extra: [String: String] = [:]) async throws -> Result {
        try await ChildProcess.run(Self.binary, arguments, environment: environment.merging(extra) { $1 }, stdin: stdin)
    }

    /// Runs one write path (`sweep`, `consent-withdraw SESSION SCOPE`, `role-rotate ROLE`) on this
    /// vault through `test-crash-at`, which kills itself with SIGKILL at crash point `point`
    /// (the shipped CLI has no such hook). It exits 3 if the path never reached the point.
    func runKilled(at point: String, _ arguments: [String]) async throws -> Result {
        try await ChildProcess.run(BuiltProduct.crashAt, [point] + arguments, environment: environment)
    }

    /// Starts a command that the test stops or signals itself.
    func start(_ arguments: [String], stdin: Data? = nil) throws -> ChildProcess.Running {
        try ChildProcess.Running(Self.binary, arguments, environment: environment, stdin: stdin)
    }

    /// A vault with clinician, records-officer and supervisor roles, a records officer `rita` (whose
    /// passphrase is the vault's here) as whom privileged commands run, and a care-only session S1.
    static func prepared() async throws -> CLI {
        let setup = CLI()
        try await setup.expectOK(["init", "--chunk-size", "64KiB", "--kdf", "interactive"])
        for role in ["clinician", "records-officer", "supervisor"] { try await setup.expectOK(["role", "add", role]) }
        try await setup.expectOK(["user", "add", "rita", "--role", "records-officer", "--officer-key"])
        let cli = setup.with(["SESSIONVAULT_OFFICER": "rita"])
        try await cli.expectOK(["consent", "record", "--session", "S1", "--patient", "9434765919", "--scope", "care"])
        return cli
    }

    @discardableResult
    func expectOK(_ arguments: [String], stdin: Data? = nil) async throws -> Result {
        let result = try await run(arguments, stdin: stdin)
        guard result.succeeded else {
            throw CLIFailure(message: "sessionvault \(arguments.joined(separator: " ")) exited \(result.status) (\(result.reason)): \(result.stderr)")
        }
        return result
    }

    func remove() { try? FileManager.default.removeItem(at: vault) }
}

struct CLIFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
