public import Foundation
public import VaultCrypto

/// Where a passphrase comes from: `--passphrase-file F`, else `$SESSIONVAULT_PASSPHRASE`.
///
/// The passphrase is read into locked, zeroed memory; a file's single trailing newline is dropped.
public enum PassphraseSource: Sendable {
    case file(String)
    case environment
    case bytes(SecureBytes)

    /// `--passphrase-file` if given, else the environment.
    public static func from(file: String?) -> PassphraseSource { file.map { .file($0) } ?? .environment }

    public func read(purpose: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SecureBytes {
        switch self {
        case .bytes(let bytes):
            return bytes
        case .environment:
            guard let value = environment["SESSIONVAULT_PASSPHRASE"], !value.isEmpty else { throw VaultError.passphraseMissing(purpose: purpose) }
            return try SecureBytes(copying: Array(value.utf8))
        case .file(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw VaultError.passphraseFile(path: path, reason: FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file")
            }
            defer { try? handle.close() }
            var data = (try? handle.read(upToCount: 4096)) ?? Data()
            defer { data.resetBytes(in: 0..<data.count) }
            var end = data.count
            if end > 0, data[end - 1] == UInt8(ascii: "\n") { end -= 1 }
            if end > 0, data[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            guard end > 0 else { throw VaultError.passphraseFile(path: path, reason: "the file is empty") }
            return try SecureBytes(count: end) { buffer in
                data.copyBytes(to: buffer.bindMemory(to: UInt8.self), from: 0..<end)
            }
        }
    }
}
