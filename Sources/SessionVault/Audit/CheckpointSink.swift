public import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VaultStore

/// Somewhere outside the vault's own files that signed audit checkpoints are published to, so that
/// an insider who can rewrite the vault (catalog, checkpoint table, `audit-checkpoints.jsonl`) cannot
/// also rewrite what was published. Each checkpoint is one line of JSON (the format of
/// `audit-checkpoints.jsonl`).
public protocol CheckpointSink: Sendable, CustomStringConvertible {
    func publish(_ line: String) async throws
    /// Releases what the sink holds open (an S3 sink's HTTP client); called once, after the last publish.
    func close() async
}

extension CheckpointSink {
    public func close() async {}
}

/// Where checkpoints are published, as given on the command line: `file:/ABSOLUTE/PATH`, `syslog`,
/// or `s3://BUCKET[/PREFIX]?endpoint=…&lock=compliance` (a bucket with Object Lock).
public enum CheckpointSinks {
    /// Parses one sink description; `vaultRoot` is refused as a home for a file sink (a copy inside
    /// the vault is what the insider can already rewrite), and an S3 bucket without Object Lock in
    /// compliance mode is refused (its objects could be deleted or overwritten).
    public static func parse(_ text: String, vaultRoot: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any CheckpointSink {
        if text == "syslog" { return SyslogCheckpointSink() }
        if text.hasPrefix("s3://") { return try S3CheckpointSink(url: text, environment: environment) }
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
        throw VaultError.invalidArgument("unknown checkpoint sink '\(text)': use file:/ABSOLUTE/PATH, syslog or s3://BUCKET?endpoint=…&lock=compliance")
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

/// Puts each checkpoint into an S3 bucket with Object Lock in compliance mode, one object per
/// checkpoint (`audit-checkpoints/<vault>/<sequence>-<time>.json` under the URL's prefix), retained
/// for eight years: nobody, the bucket's owner included, can delete or overwrite it before then.
/// For the scale-out deployment, where no node's files are outside an insider's reach.
public struct S3CheckpointSink: CheckpointSink {
    let store: S3BlobStore
    let url: String
    let retention: TimeInterval

    public var description: String { url.redactingCredentials }

    init(url: String, environment: [String: String], retention: TimeInterval = 8 * 365.25 * 86_400) throws {
        let configuration: S3Configuration
        do {
            configuration = try S3Configuration.parse(url, environment: environment)
        } catch {
            throw VaultError.invalidArgument("checkpoint sink '\(url.redactingCredentials)': \(error)")
        }
        guard configuration.objectLockMode == .compliance else {
            throw VaultError.invalidArgument("checkpoint sink '\(url.redactingCredentials)' must be a bucket with Object Lock in compliance mode "
                                             + "(add lock=compliance): without it the published checkpoints could be deleted")
        }
        self.store = S3BlobStore(configuration: configuration)
        self.url = url
        self.retention = retention
    }

    public func publish(_ line: String) async throws {
        let fields = try JSONDecoder().decode(Vault.CheckpointLine.self, from: Data(line.utf8))
        let key = try BlobKey("audit-checkpoints/\(fields.vault)/\(String(format: "%016lld", fields.sequence))-\(fields.timeMillis).json")
        try await store.put(key, Array(line.utf8), options: BlobPutOptions(retainUntil: Date().addingTimeInterval(retention)))
    }

    /// Every checkpoint line published for `vault`.
    func lines(vault: String) async throws -> [String] {
        var lines: [String] = []
        for listing in try await store.list(prefix: "audit-checkpoints/\(vault)/") {
            lines.append(String(decoding: try await store.get(listing.key), as: UTF8.self))
        }
        return lines
    }

    func shutdown() async { try? await store.shutdown() }

    public func close() async { await shutdown() }
}
