public import Foundation

/// The package's own programs, as built beside the test bundle: the `sessionvault` CLI and the
/// test helpers (`test-crash-at`, `test-sweep-as-of`, `secure-memory-probe`).
public enum BuiltProduct {
    /// The built `sessionvault` CLI (`$SESSIONVAULT_BIN` overrides it).
    public static var sessionvault: URL {
        if let explicit = ProcessInfo.processInfo.environment["SESSIONVAULT_BIN"] { return URL(fileURLWithPath: explicit) }
        return find("sessionvault") ?? repository.appendingPathComponent(".build/debug/sessionvault")
    }

    /// `test-crash-at` (Tests/Support/CrashAt): a write path killed at a named crash point.
    public static var crashAt: URL { find("test-crash-at") ?? repository.appendingPathComponent(".build/debug/test-crash-at") }

    /// The executable `name` in the build products directory, if built. `swift test` runs the test
    /// bundle from inside that directory (`…/debug/SessionVaultPackageTests.xctest`), so it is
    /// searched from the bundle upwards.
    public static func find(_ name: String) -> URL? {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    /// The package root, from this file's place in it (Tests/Support/TestSupport).
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }
}
