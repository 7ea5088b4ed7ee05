import TestSupport
import Foundation
import Testing

@testable import VaultCrypto
import VaultModel

/// Files from ``AgeEncryptor`` decrypted by the real `age` binary (Debian's `age` package).
///
/// Skipped, with the reason, when `age` (or, for passphrases, `python3`, which drives age's terminal
/// prompt through a pseudo-terminal) is not installed.
@Suite(.enabled(if: AgeTool.isAvailable, "the age binary is not installed (apt-get install -y age)"), .timeLimit(.minutes(30)))
struct AgeRoundTripTests {
    static let sizes = [0, 1, 65535, 65536, 65537, 3 * 65536 + 5]

    @Test(arguments: sizes)
    func x25519FileDecryptsWithAge(size: Int) async throws {
        let directory = try AgeTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (identity, recipient) = await try AgeTool.generateIdentity(in: directory)
        let plaintext = AgePattern.bytes(size)
        var age = try AgeEncryptor(recipient: .x25519(recipient), output: AgeCollectingSink())
        try await age.writeInPieces(plaintext, pieceSize: 10_007)
        let encrypted = directory.appendingPathComponent("file.age")
        try Data(try await age.finish().bytes).write(to: encrypted)
        let decrypted = await try AgeTool.decrypt(encrypted, identity: identity)
        #expect(decrypted == plaintext)
    }

    @Test(
        .enabled(if: AgeTool.canDrivePrompt, "python3 is needed to type a passphrase at age's terminal prompt"),
        arguments: sizes
    )
    func passphraseFileDecryptsWithAgeAtItsPrompt(size: Int) async throws {
        let directory = try AgeTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let passphrase = "tulip-orbit-canal-seventeen-\(size)"
        let plaintext = AgePattern.bytes(size, seed: 3)
        let recipient = AgeRecipient.scrypt(passphrase: try SecureBytes(copying: Array(passphrase.utf8)), workFactor: 10)
        var age = try AgeEncryptor(recipient: recipient, output: AgeCollectingSink())
        try await age.writeInPieces(plaintext, pieceSize: 65_536)
        let encrypted = directory.appendingPathComponent("file.age")
        try Data(try await age.finish().bytes).write(to: encrypted)
        await #expect(try AgeTool.decrypt(encrypted, passphrase: passphrase) == plaintext)
    }

    @Test(.enabled(if: AgeTool.canDrivePrompt, "python3 is needed to type a passphrase at age's terminal prompt"))
    func defaultWorkFactorFileDecryptsWithAge() async throws {
        let directory = try AgeTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let passphrase = "correct horse battery staple"
        let plaintext = AgePattern.bytes(70_000, seed: 5)
        let recipient = AgeRecipient.scrypt(passphrase: try SecureBytes(copying: Array(passphrase.utf8)))
        var age = try AgeEncryptor(recipient: recipient, output: AgeCollectingSink())
        try await age.write(plaintext)
        let bytes = try await age.finish().bytes
        #expect(String(decoding: bytes.prefix(80), as: UTF8.self).contains(" 18\n"))
        let encrypted = directory.appendingPathComponent("file.age")
        try Data(bytes).write(to: encrypted)
        await #expect(try AgeTool.decrypt(encrypted, passphrase: passphrase) == plaintext)
    }

    @Test(.enabled(if: AgeTool.canDrivePrompt, "python3 is needed to type a passphrase at age's terminal prompt"))
    func wrongPassphraseIsRefusedByAge() async throws {
        let directory = try AgeTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recipient = AgeRecipient.scrypt(passphrase: try SecureBytes(copying: Array("right one".utf8)), workFactor: 10)
        var age = try AgeEncryptor(recipient: recipient, output: AgeCollectingSink())
        try await age.write([1, 2, 3])
        let encrypted = directory.appendingPathComponent("file.age")
        try Data(try await age.finish().bytes).write(to: encrypted)
        let failure = await #expect(throws: AgeTool.Failure.self) { try await AgeTool.decrypt(encrypted, passphrase: "wrong one") }
        #expect(failure?.stderr.contains("incorrect passphrase") == true)
    }

    @Test func twentyMebibytesStreamToDiskAndDecryptToTheSameDigest() async throws {
        let directory = try AgeTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (identity, recipient) = await try AgeTool.generateIdentity(in: directory)
        let encrypted = directory.appendingPathComponent("big.age")
        var age = try AgeEncryptor(recipient: .x25519(recipient), output: try AgeFileSink(creating: encrypted))
        // Generated piece by piece (odd-sized, so pieces straddle chunk boundaries); never held whole.
        let total = 20 << 20
        var digest = StreamingSHA256()
        var produced = 0
        var piece = 0
        while produced < total {
            let bytes = AgePattern.bytes(min(999_983, total - produced), seed: UInt64(piece))
            digest.update(bytes)
            try await age.write(bytes)
            produced += bytes.count
            piece += 1
        }
        try await age.finish().close()
        let size = try FileManager.default.attributesOfItem(atPath: encrypted.path)[.size] as? Int
        let headerSize = size.map { $0 - Int(AgePayloadStream.payloadSize(plaintextCount: UInt64(total))) }
        #expect(headerSize.map { (150..<250).contains($0) } == true)
        let decrypted = directory.appendingPathComponent("big.out")
        await try AgeTool.decrypt(encrypted, identity: identity, to: decrypted)
        #expect(try AgeTool.sha256(of: decrypted) == digest.finalize())
    }

    @Test func tamperedPayloadIsRefusedByAge() async throws {
        let directory = try AgeTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (identity, recipient) = await try AgeTool.generateIdentity(in: directory)
        var age = try AgeEncryptor(recipient: .x25519(recipient), output: AgeCollectingSink())
        try await age.write(AgePattern.bytes(100_000))
        var bytes = try await age.finish().bytes
        bytes[bytes.count - 40] ^= 0x01
        let encrypted = directory.appendingPathComponent("file.age")
        try Data(bytes).write(to: encrypted)
        await #expect(throws: AgeTool.Failure.self) { try await AgeTool.decrypt(encrypted, identity: identity) }
    }
}

// MARK: - Support shared by the Age tests

/// Collects what a writer outputs, and the size of each write.
struct AgeCollectingSink: ByteSink {
    var keepBytes = true
    var bytes: [UInt8] = []
    var writeSizes: [Int] = []

    mutating func write(_ slice: ArraySlice<UInt8>) async throws {
        writeSizes.append(slice.count)
        if keepBytes { bytes.append(contentsOf: slice) }
    }
}

/// Throws on its `failOnWrite`-th write (1-based).
struct AgeFailingSink: ByteSink {
    struct Failure: Error {}
    let failOnWrite: Int
    var writes = 0

    mutating func write(_ slice: ArraySlice<UInt8>) async throws {
        writes += 1
        if writes == failOnWrite { throw Failure() }
    }
}

/// Appends to a new file.
struct AgeFileSink: ByteSink {
    let handle: FileHandle

    init(creating url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        handle = try FileHandle(forWritingTo: url)
    }

    mutating func write(_ slice: ArraySlice<UInt8>) async throws {
        try handle.write(contentsOf: Data(slice))
    }

    func close() throws { try handle.close() }
}

/// Deterministic test plaintext.
enum AgePattern {
    static func bytes(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                buffer[index] = UInt8(truncatingIfNeeded: state >> 33)
            }
            initialized = count
        }
    }
}

extension AgeEncryptor {
    /// Writes `bytes` in pieces of `pieceSize`, the way a stream would arrive.
    mutating func writeInPieces(_ bytes: [UInt8], pieceSize: Int) async throws {
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + pieceSize, bytes.count)
            try await write(bytes[offset..<end])
            offset = end
        }
    }
}

/// The `age`, `age-keygen` and `python3` command-line tools.
enum AgeTool {
    struct Failure: Error, CustomStringConvertible {
        let tool: String
        let status: Int32
        let stderr: String
        var description: String { "\(tool) exited with \(status): \(stderr)" }
    }

    static let age = "/usr/bin/age"
    static let keygen = "/usr/bin/age-keygen"
    static let python = "/usr/bin/python3"

    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: age) && FileManager.default.isExecutableFile(atPath: keygen)
    }

    static var canDrivePrompt: Bool { isAvailable && FileManager.default.isExecutableFile(atPath: python) }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("age-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `age-keygen -o key.txt`; returns the key file and the `# public key: age1…` recipient.
    static func generateIdentity(in directory: URL) async throws -> (identity: URL, recipient: String) {
        let key = directory.appendingPathComponent("key.txt")
        try await run(keygen, ["-o", key.path])
        let text = try String(contentsOf: key, encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("# public key: ") }) else {
            throw Failure(tool: "age-keygen", status: 0, stderr: "no public key line")
        }
        return (key, String(line.dropFirst("# public key: ".count)))
    }

    /// `age -d -i IDENTITY -o OUTPUT FILE`.
    static func decrypt(_ file: URL, identity: URL, to output: URL) async throws {
        try await run(age, ["-d", "-i", identity.path, "-o", output.path, file.path])
    }

    /// `age -d -i IDENTITY`, returning the plaintext.
    static func decrypt(_ file: URL, identity: URL) async throws -> [UInt8] {
        let output = file.appendingPathExtension("out")
        try await decrypt(file, identity: identity, to: output)
        return try contents(of: output)
    }

    /// `age -d FILE` run on a pseudo-terminal, with `passphrase` typed at its prompt (age reads
    /// passphrases only from a terminal). The passphrase reaches python through the environment.
    static func decrypt(_ file: URL, passphrase: String) async throws -> [UInt8] {
        let output = file.appendingPathExtension("out")
        try await run(python, ["-c", promptDriver, age, file.path, output.path], environment: ["AGE_TEST_PASSPHRASE": passphrase])
        return try contents(of: output)
    }

    /// What `age -o` wrote. age opens its output lazily, on the first plaintext byte, so a successful
    /// decryption of an empty payload leaves no file.
    static func contents(of output: URL) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: output.path) else { return [] }
        return Array(try Data(contentsOf: output))
    }

    /// SHA-256 of a file, read in pieces.
    static func sha256(of file: URL) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        var digest = StreamingSHA256()
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            digest.update(Array(data))
        }
        return digest.finalize()
    }

    /// Runs `tool`, waiting for it (without blocking a cooperative-pool thread: ``ChildProcess``);
    /// throws ``Failure`` with its stderr on a non-zero exit.
    static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) async throws {
        let result = try await ChildProcess.run(URL(fileURLWithPath: tool), arguments,
                                                environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        guard result.succeeded else {
            throw Failure(tool: URL(fileURLWithPath: tool).lastPathComponent, status: result.status, stderr: result.stderr)
        }
    }

    /// Python: fork `age -d -o OUT IN` on a pseudo-terminal, wait for its passphrase prompt, type the
    /// passphrase, and exit with age's status (printing what age said on failure).
    static let promptDriver = """
        import os, pty, signal, sys
        signal.alarm(120)
        age, source, target = sys.argv[1:4]
        passphrase = os.environ["AGE_TEST_PASSPHRASE"].encode()
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(age, [age, "-d", "-o", target, source])
        seen = b""
        def read():
            try:
                return os.read(fd, 1024)
            except OSError:
                return b""
        while b"passphrase" not in seen.lower():
            chunk = read()
            if not chunk:
                break
            seen += chunk
        try:
            os.write(fd, passphrase + b"\\n")
        except OSError:
            pass
        while True:
            chunk = read()
            if not chunk:
                break
            seen += chunk
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            sys.stderr.write(seen.decode(errors="replace"))
        sys.exit(code)
        """
}
