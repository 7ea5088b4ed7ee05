import ByteRanges
import ArgumentParser
import Foundation
import SessionVault
import VaultCrypto

#if canImport(Glibc)
import Glibc
#endif

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Decrypt a recording (or a byte range of it) as a role, to stdout or a file.",
        discussion: """
            Only the chunks the range touches are read, and each is authenticated before any of its bytes is written.
            A role holds a key only if the session's consent allows it; otherwise nothing is written and the refusal is audited.
            Exit codes: 3 refused, 4 integrity failure, 5 not found.
            """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: ArgumentHelp("The recording id.", valueName: "UUID")) var id: RecordingID
    @Option(name: .customLong("as"), help: "The role to decrypt as (its passphrase unlocks its key).") var role: String
    @Option(help: ArgumentHelp("Bytes to return, inclusive: START-END, START- or -SUFFIX.", valueName: "START-END")) var range: String?
    @Option(name: .shortAndLong, help: ArgumentHelp("Write to FILE (created new, mode 0600) instead of stdout.", valueName: "FILE")) var output: String?
    @Option(help: "The purpose of this access, recorded in the audit trail.") var purpose: String?

    func run() async throws {
        try await reportingErrors {
            var spec: ByteRangeSpec? = nil
            if let range {
                do throws(ByteRangeError) {
                    spec = try ByteRangeSpec(parsing: range)
                } catch {
                    throw VaultError.invalidRange(error.text)
                }
            }
            try await vault.withVault { opened in
                let actor = ShellUser.actor
                // Refuse before asking for any secret if the role holds no key.
                _ = try await opened.requireWrap(id, role: role, actor: actor, purpose: purpose)
                let unlocked = try await opened.unlockRole(role, passphrase: try passphrase.read(purpose: "unlock role '\(role)'"))
                let recording = try await opened.open(id, as: unlocked, actor: actor, purpose: purpose, detail: range.map { "range \($0)" })
                var byteRange: Range<Int64>? = nil
                if let spec {
                    guard let resolved = spec.resolve(size: recording.byteCount) else {
                        throw VaultError.rangeNotSatisfiable(range: spec.description, size: recording.byteCount)
                    }
                    byteRange = resolved
                }
                if let output {
                    var sink = try FileSink(creating: output)
                    do {
                        try await opened.stream(recording, range: byteRange, to: &sink)
                        try sink.commit()
                    } catch {
                        sink.abandon()
                        throw error
                    }
                } else {
                    var sink = FileSink(descriptor: STDOUT_FILENO, name: "stdout")
                    try await opened.stream(recording, range: byteRange, to: &sink)
                }
            }
        }
    }
}

/// Writes plaintext to a file descriptor. For a named file it writes `FILE.partial` and renames
/// it only when everything was verified, so a failed retrieval never leaves a file that looks whole.
struct FileSink: ByteSink {
    let fd: Int32
    let name: String
    let partialPath: String?
    let finalPath: String?

    init(descriptor: Int32, name: String) {
        fd = descriptor
        self.name = name
        partialPath = nil
        finalPath = nil
    }

    init(creating path: String) throws {
        if FileManager.default.fileExists(atPath: path) {
            throw VaultError.output(path: path, reason: "already exists; refusing to overwrite")
        }
        let partial = path + ".partial"
        let opened = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard opened >= 0 else { throw VaultError.output(path: partial, reason: String(cString: strerror(errno))) }
        fd = opened
        name = path
        partialPath = partial
        finalPath = path
    }

    mutating func write(_ bytes: ArraySlice<UInt8>) async throws {
        let fd = self.fd
        let name = self.name
        try await BlockingIO.run { () throws in
            let failure: Int32? = bytes.withUnsafeBytes { buffer -> Int32? in
                var done = 0
                while done < buffer.count {
                    let n = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    done += n
                }
                return nil
            }
            if let failure { throw VaultError.output(path: name, reason: String(cString: strerror(failure))) }
        }
    }

    func commit() throws {
        guard let partialPath, let finalPath else { return }
        guard close(fd) == 0 else { throw VaultError.output(path: finalPath, reason: String(cString: strerror(errno))) }
        guard link(partialPath, finalPath) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(partialPath)
            throw VaultError.output(path: finalPath, reason: reason)
        }
        unlink(partialPath)
    }

    func abandon() {
        guard let partialPath else { return }
        close(fd)
        unlink(partialPath)
    }
}
