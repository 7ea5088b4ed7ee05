import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Named points in multi-step write paths where the crash tests kill the process.
///
/// With `SESSIONVAULT_CRASH_AT=<name>` in the environment, reaching that point sends SIGKILL to
/// the process itself, exactly as a power cut or `kill -9` would stop it there. Unset, this is
/// one dictionary lookup. Used by the crash-safety tests; documented in docs/OPERATIONS.md.
enum CrashPoint {
    /// Read once: `ProcessInfo.environment` builds a new dictionary on every call.
    static let target: String? = getenv("SESSIONVAULT_CRASH_AT").map { String(cString: $0) }

    static func reached(_ name: String) {
        guard let target, target == name else { return }
        kill(getpid(), SIGKILL)
    }
}
