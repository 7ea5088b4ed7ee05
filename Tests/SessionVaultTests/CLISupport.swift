import Foundation

/// Runs the built `sessionvault` binary as a child process, as operators and scripts do.
struct CLI {
    let vault: URL
    let environment: [String: String]

    static var binary: URL {
        if let explicit = ProcessInfo.processInfo.environment["SESSIONVAULT_BIN"] { return URL(fileURLWithPath: explicit) }
        // `swift test` runs from the build products directory's test bundle; the CLI sits beside it.
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("sessionvault")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repo.appendingPathComponent(".build/debug/sessionvault")
    }

    init(passphrase: String = "cli test passphrase", extra: [String: String] = [:]) {
        vault = FileManager.default.temporaryDirectory.appendingPathComponent("cli-vault-\(UUID().uuidString)")
        var env = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        env["SESSIONVAULT_DIR"] = vault.path
        env["SESSIONVAULT_PASSPHRASE"] = passphrase
        environment = env
    }

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var out: String { String(decoding: stdout, as: UTF8.self) }
    }

    @discardableResult
    func run(_ arguments: [String], stdin: Data? = nil, environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.environment = environment.merging(extra) { $1 }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A vault with clinician, records-officer and supervisor roles and a care-only session S1.
    static func prepared() throws -> CLI {
        let cli = CLI()
        try cli.expectOK(["init", "--chunk-size", "64KiB"])
        for role in ["clinician", "records-officer", "supervisor"] { try cli.expectOK(["role", "add", role]) }
        try cli.expectOK(["consent", "record", "--session", "S1", "--patient", "9434765919", "--scope", "care"])
        return cli
    }

    @discardableResult
    func expectOK(_ arguments: [String], stdin: Data? = nil) throws -> Result {
        let result = try run(arguments, stdin: stdin)
        guard result.status == 0 else {
            throw CLIFailure(message: "sessionvault \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result
    }

    func remove() { try? FileManager.default.removeItem(at: vault) }
}

struct CLIFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
