public import Foundation

/// Where a vault's parts live inside its directory.
public struct VaultLayout: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    public var configFile: URL { root.appendingPathComponent("config.toml") }
    public var catalogFile: URL { root.appendingPathComponent("catalog.sqlite") }
    public var blobDirectory: URL { root.appendingPathComponent("blobs") }
    public var keyringDirectory: URL { root.appendingPathComponent("keyring") }
    public var retentionDirectory: URL { root.appendingPathComponent("retention") }
    /// The erasure tree: its sealed nodes (`tree.sqlite`) and its root (`root`, overwritten in place;
    /// never back it up with history: docs/THREAT-MODEL.md).
    public var erasureDirectory: URL { root.appendingPathComponent("erasure") }
    public var erasureTreeFile: URL { erasureDirectory.appendingPathComponent("tree.sqlite") }
    public var erasureRootFile: URL { erasureDirectory.appendingPathComponent("root") }

    /// The vault directory from `--vault`, else `$SESSIONVAULT_DIR`, else `./vault`.
    public static func resolve(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> VaultLayout {
        let path = explicit ?? environment["SESSIONVAULT_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vault"
        return VaultLayout(root: URL(fileURLWithPath: path))
    }
}
