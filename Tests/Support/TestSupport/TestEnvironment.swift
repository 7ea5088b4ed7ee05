import Foundation

/// The environment a child process under test starts from.
public enum TestEnvironment {
    /// This process's environment without the variables through which a caller's own shell would
    /// make the child act on their vault, as their officer or with their passphrases. Each test
    /// sets what it needs on top, so the suite behaves the same whatever the caller's shell holds.
    /// (Test-server addresses and the binary's path are kept: the test scripts set those.)
    public static var inherited: [String: String] {
        ProcessInfo.processInfo.environment.filter { !isCallerState($0.key) }
    }

    /// Variables of the caller's own SessionVault use.
    public static func isCallerState(_ name: String) -> Bool {
        guard name.hasPrefix("SESSIONVAULT_") else { return false }
        return name == "SESSIONVAULT_DIR" || name == "SESSIONVAULT_OFFICER" || name.contains("PASSPHRASE") || name.contains("TOKEN")
            || name == "SESSIONVAULT_CONFIG"
    }
}
