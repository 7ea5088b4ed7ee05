import Foundation
import Testing
import TestSupport

/// A real OpenID Provider for the sign-in tests: PyPI's django-oidc-provider, started on
/// 127.0.0.1 by scripts/test-servers/oidc-provider.sh and administered through it (clients,
/// users and groups, key rotation).
struct TestOpenIDProvider {
    let directory: URL
    let issuer: String

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/test-servers/oidc-provider.sh").path

    /// Whether the provider is installed or installable (the script installs it into
    /// .build-tools/). Under scripts/with-test-servers.sh (SESSIONVAULT_REQUIRE_SERVERS=1) it is
    /// assumed, so a broken install fails the tests instead of skipping them.
    static let available: Bool = {
        if ProcessInfo.processInfo.environment["SESSIONVAULT_REQUIRE_SERVERS"] == "1" { return true }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, "install"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            print("SignInTests: skipped: scripts/test-servers/oidc-provider.sh install failed (needs PyPI's django-oidc-provider and Django)")
        }
        return process.terminationStatus == 0
    }()

    static func start(idTokenLifetime: Int? = nil) async throws -> TestOpenIDProvider {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sv-oidc-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var environment = TestEnvironment.inherited
        if let idTokenLifetime { environment["OIDC_OP_IDTOKEN_EXPIRE"] = String(idTokenLifetime) }
        let started = try await ChildProcess.run(URL(fileURLWithPath: "/bin/bash"), [script, "start", directory.path], environment: environment)
        try #require(started.succeeded, "oidc-provider.sh start: \(started.out) \(started.stderr)")
        let env = try String(contentsOf: directory.appendingPathComponent("env"), encoding: .utf8)
        let line = try #require(env.split(separator: "\n").first { $0.contains("SESSIONVAULT_TEST_OIDC_ISSUER=") })
        let issuer = try #require(line.split(separator: "=", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        return TestOpenIDProvider(directory: directory, issuer: issuer)
    }

    /// Runs opctl.py: `client ID SECRET ALG REDIRECT [LOGOUT]`, `user NAME PASSWORD GROUP...`, `ungroup NAME GROUP`, `rotate-key`.
    func ctl(_ arguments: String...) async throws {
        let done = try await ChildProcess.run(URL(fileURLWithPath: "/bin/bash"), [Self.script, "ctl", directory.path] + arguments,
                                              environment: TestEnvironment.inherited)
        try #require(done.succeeded, "oidc-provider.sh ctl \(arguments.first ?? ""): \(done.stderr)")
    }

    func stop() async {
        _ = try? await ChildProcess.run(URL(fileURLWithPath: "/bin/bash"), [Self.script, "stop", directory.path])
        try? FileManager.default.removeItem(at: directory)
    }

    /// The provider's JSON at `path` under the issuer (discovery, keys).
    func json(_ path: String) async throws -> [String: Any] {
        let browser = TestBrowser()
        let page = try await browser.get(issuer + path)
        await browser.close()
        return try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any] ?? [:]
    }
}

/// A free TCP port on 127.0.0.1 (the OS's choice, released at once).
func freeLoopbackPort() async throws -> Int {
    let out = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c",
        "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
    return try #require(Int(out.out.trimmingCharacters(in: .whitespacesAndNewlines)))
}
