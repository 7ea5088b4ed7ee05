internal import CSodium

/// Process-wide libsodium initialisation.
///
/// Every other entry point of `VaultCrypto` initialises libsodium itself, so calling this is optional;
/// it exists so that a program can fail fast, at start-up, on a machine where libsodium cannot start.
public enum Sodium {
    /// The result of the one `sodium_init()` call this process makes through `VaultCrypto`.
    ///
    /// Swift runs a static `let` initialiser exactly once, thread-safely, on first use, so this is
    /// immutable shared state rather than a mutable global. `sodium_init` returns 0 on first success,
    /// 1 when another component of the process already initialised the library, -1 on failure.
    private static let initResult: Int32 = sodium_init()

    /// Initialises libsodium (idempotent and thread-safe; only the first call does any work).
    ///
    /// - Throws: ``CryptoError/sodiumUnavailable`` if `sodium_init` failed (for example, no entropy source).
    public static func initialize() throws(CryptoError) {
        guard initResult >= 0 else { throw .sodiumUnavailable }
    }

    /// Whether libsodium initialised successfully; for entry points that cannot throw.
    static var isReady: Bool { initResult >= 0 }

    /// The version string of the libsodium the process is linked against, e.g. `"1.0.18"`.
    public static var libraryVersion: String { String(cString: sodium_version_string()) }
}
