import Foundation

/// Who the command line acts as in the audit trail when no officer proves who they are: the shell
/// user, as `cli:<user>` (`$USER`, else `$LOGNAME`). Only the CLI has a shell user; the vault is
/// told its actor by every caller.
enum ShellUser {
    static var actor: String {
        let environment = ProcessInfo.processInfo.environment
        return "cli:" + (environment["USER"] ?? environment["LOGNAME"] ?? "unknown")
    }
}
