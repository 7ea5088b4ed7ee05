import Foundation
import Testing

/// Every privileged act has one door, `Vault` (docs/ARCHITECTURE.md): the front ends never reach
/// the catalog or the blob store themselves, so no business rule or audit entry can be written past it.
@Suite("Layering: the front ends go through the vault")
struct LayeringTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// (file, line number, line) for every line of the Swift files under `folder` that matches.
    static func lines(under folder: String, matching pattern: String) throws -> [String] {
        let regex = try Regex(pattern)
        let base = root.appendingPathComponent(folder)
        guard let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        var found: [String] = []
        for case let url as URL in files where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where line.contains(regex) {
                found.append("\(url.path.dropFirst(root.path.count + 1)):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        return found
    }

    @Test func theCLIAndTheServiceNeverTouchTheCatalogOrTheStore() throws {
        for folder in ["Sources/sessionvault", "Sources/VaultServer"] {
            #expect(try Self.lines(under: folder, matching: #"\.catalog\b|\.store\b"#).isEmpty, "\(folder) reaches past the vault")
            #expect(try Self.lines(under: folder, matching: #"^\s*(public |package |internal |@_exported )*import (VaultIndex|VaultStore)\b"#).isEmpty,
                    "\(folder) imports a layer below the vault")
        }
    }

    @Test func theCLIUsesTheServiceOnlyToServe() throws {
        let users = try Self.lines(under: "Sources/sessionvault", matching: #"^\s*import VaultServer\b"#)
        #expect(users.count == 1 && users.allSatisfy { $0.hasPrefix("Sources/sessionvault/Commands/ServeCommand.swift:") }, "\(users)")
    }
}
