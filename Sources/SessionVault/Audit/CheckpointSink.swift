public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Somewhere outside the vault's own files that signed audit checkpoints are published to, so that
/// an insider who can rewrite the vault (catalog, checkpoint table, `audit-checkpoints.jsonl`) cannot
/// also rewrite what was published. Each checkpoint is one line of JSON (the format of
/// `audit-checkpoints.jsonl`).
public protocol CheckpointSink: Sendable, CustomStringConvertible {
    func publish(_ line: String) throws
}

/// Where checkpoints are published, as given on the command line: `file:/ABSOLUTE/PATH` or `syslog`.
public enum CheckpointSinks {
    /// Parses one sink description; `vaultRoot` is refused as a home for a file sink (a copy inside
    /// the vault is what the insider can already rewrite).
    public static func parse(_ text: String, vaultRoot: URL) throws -> any CheckpointSink {
        if text == "syslog" { return SyslogCheckpointSink() }
        if text.hasPrefix("file:") {
            let path = String(text.dropFirst("file:".count))
            guard path.hasPrefix("/") else {
                throw VaultError.invalidArgument("checkpoint sink '\(text)': the file must be an absolute path")
            }
            let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
            let root = vaultRoot.resolvingSymlinksInPath().standardizedFileURL.path
            guard target != root, !target.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
                throw VaultError.invalidArgument("checkpoint sink '\(text)' is inside the vault directory (\(root)): publish outside it, "
                                                 + "where whoever can rewrite the vault cannot")
            }
            return FileCheckpointSink(path: target)
        }
        throw VaultError.invalidArgument("unknown checkpoint sink '\(text)': use file:/ABSOLUTE/PATH or syslog")
    }
}

/// Appends each checkpoint to a file (created 0644 if missing) and fsyncs it. Put it on another
/// file system or host share than the vault, or mark it append-only (`chattr +a`).
public struct FileCheckpointSink: CheckpointSink {
    public let path: String
    public var description: String { "file:\(path)" }

    public func publish(_ line: String) throws {
        try AtomicFile.append(Array((line + "\n").utf8), to: URL(fileURLWithPath: path))
    }
}

/// Sends each checkpoint to the system log (facility authpriv, level notice), from where
/// journald or rsyslog forward it off the host.
public struct SyslogCheckpointSink: CheckpointSink {
    public var description: String { "syslog" }

    public func publish(_ line: String) throws {
        // The line is JSON of hex digits, numbers and a short reason; '%' is escaped all the same,
        // since it is passed as the format.
        let message = "sessionvault audit checkpoint " + line.replacingOccurrences(of: "%", with: "%%")
        withVaList([]) { arguments in
            vsyslog(LOG_AUTHPRIV | LOG_NOTICE, message, arguments)
        }
    }
}
