import TestSupport
import Foundation
import SessionVault
import Testing
import VaultCrypto

@testable import SessionVault

/// The export's tar writer, checked byte by byte and against GNU tar.
@Suite(.timeLimit(.minutes(30))) struct TarWriterTests {
    static let mtime = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    @Test func gnuTarListsAndExtractsWhatWasWritten() async throws {
        let directory = try TarTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let longName = "recordings/" + String(repeating: "session-0123456789-", count: 6) + "copy.webm"
        #expect(longName.utf8.count > 100)
        let files: [(String, [UInt8])] = [
            ("README.txt", Array("Subject access bundle\n".utf8)),
            ("empty", []),
            ("recordings/R1.webm", tarPattern(70_000)),
            (longName, tarPattern(512)),
            ("notes/séance-é.txt", Array("non-ASCII name\n".utf8)),
        ]
        var tar = TarWriter(output: TarCollectingSink())
        for (name, bytes) in files {
            try await tar.beginFile(name: name, size: UInt64(bytes.count), mtime: Self.mtime)
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + 4_099, bytes.count)
                try await tar.write(bytes[offset..<end])
                offset = end
            }
            try await tar.endFile()
        }
        let archive = try await tar.finish().bytes
        #expect(archive.count % 512 == 0)
        #expect(archive.suffix(1024).allSatisfy { $0 == 0 })
        let path = directory.appendingPathComponent("bundle.tar")
        try Data(archive).write(to: path)

        let listing = try await TarTool.run(["-tvf", path.path])
        for (name, bytes) in files {
            #expect(listing.contains(name), "listing lacks an entry")
            #expect(listing.contains(" \(bytes.count) 2026-01-01"), "listing lacks a size")
        }
        #expect(!listing.contains("PaxHeaders"))
        let extracted = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: extracted, withIntermediateDirectories: true)
        _ = try await TarTool.run(["-xf", path.path, "-C", extracted.path])
        for (name, bytes) in files {
            let data = try Data(contentsOf: extracted.appendingPathComponent(name))
            #expect(Array(data) == bytes)
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: extracted.appendingPathComponent("README.txt").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o644)
        #expect((attributes[.modificationDate] as? Date) == Self.mtime)
    }

    @Test func ustarHeaderHasTheStandardLayoutAndChecksum() throws {
        let block = try TarWriter<TarCollectingSink>.headerBlocks(name: "a/b.txt", size: 1234, mode: 0o640, mtime: Self.mtime, entry: 1)
        #expect(block.count == 512)
        #expect(field(block, 0, 100) == "a/b.txt")
        #expect(field(block, 100, 8) == "0000640")
        #expect(field(block, 124, 12) == "00000002322")
        #expect(field(block, 136, 12) == String(Int(Self.mtime.timeIntervalSince1970), radix: 8).leftPadded(11))
        #expect(block[156] == UInt8(ascii: "0"))
        #expect(Array(block[257..<265]) == Array("ustar\u{0}00".utf8))
        var unsigned = block
        unsigned.replaceSubrange(148..<156, with: [UInt8](repeating: 0x20, count: 8))
        let sum = unsigned.reduce(0) { $0 + Int($1) }
        #expect(field(block, 148, 7) == String(sum, radix: 8).leftPadded(6))
        #expect(block[155] == 0x20)
    }

    @Test func sizeBeyondEightGibibytesGoesInAPaxSizeRecord() throws {
        let size: UInt64 = 9 << 30
        let blocks = try TarWriter<TarCollectingSink>.headerBlocks(name: "big.webm", size: size, mode: 0o644, mtime: Self.mtime, entry: 1)
        #expect(blocks.count == 3 * 512)
        let pax = Array(blocks[0..<512])
        #expect(pax[156] == UInt8(ascii: "x"))
        #expect(field(pax, 124, 12) == "00000000023")  // 19 bytes of records
        #expect(String(decoding: blocks[512..<531], as: UTF8.self) == "19 size=9663676416\n")
        #expect(blocks[531..<1024].allSatisfy { $0 == 0 })
        let ustar = Array(blocks[1024...])
        #expect(ustar[156] == UInt8(ascii: "0"))
        #expect(field(ustar, 0, 100) == "big.webm")
        #expect(field(ustar, 124, 12) == "00000000000")
    }

    @Test func largestUstarSizeNeedsNoPaxHeader() throws {
        let largest = TarWriter<TarCollectingSink>.maximumUstarSize
        #expect(largest == 8_589_934_591)
        let plain = try TarWriter<TarCollectingSink>.headerBlocks(name: "f", size: largest, mode: 0o644, mtime: Self.mtime, entry: 1)
        #expect(plain.count == 512)
        #expect(field(plain, 124, 12) == "77777777777")
        let pax = try TarWriter<TarCollectingSink>.headerBlocks(name: "f", size: largest + 1, mode: 0o644, mtime: Self.mtime, entry: 1)
        #expect(pax.count == 1536)
    }

    @Test func gnuTarReadsThePaxSizeOfANineGibibyteEntry() async throws {
        // Only the headers and a little content are written; tar lists the entry, then reports the
        // truncation. The listing shows it took the size from the pax record.
        let directory = try TarTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var tar = TarWriter(output: TarCollectingSink())
        try await tar.beginFile(name: "big.webm", size: 9 << 30, mtime: Self.mtime)
        try await tar.write([UInt8](repeating: 7, count: 4096))
        let path = directory.appendingPathComponent("truncated.tar")
        try Data(tar.output.bytes).write(to: path)
        let listing = try await TarTool.run(["-tvf", path.path], allowFailure: true)
        #expect(listing.contains(" 9663676416 2026-01-01"))
        #expect(listing.contains("big.webm"))
    }

    @Test func paxRecordLengthCountsItsOwnDigits() {
        let record = TarWriter<TarCollectingSink>.paxRecord(key: "path", value: Array(String(repeating: "a", count: 91).utf8))
        // " path=" + 91 + "\n" = 98 bytes; with "100" in front it is 101, so the length is 101.
        #expect(String(decoding: record.prefix(4), as: UTF8.self) == "101 ")
        #expect(record.count == 101)
        #expect(TarWriter<TarCollectingSink>.paxRecord(key: "size", value: Array("1".utf8)) == Array("9 size=1\n".utf8))
    }

    @Test func writingMoreBytesThanDeclaredIsRefusedAndWritesNothing() async throws {
        var tar = TarWriter(output: TarCollectingSink())
        try await tar.beginFile(name: "f", size: 10, mtime: Self.mtime)
        try await tar.write([UInt8](repeating: 1, count: 6))
        await #expect(throws: TarWriterError.tooManyBytes(entry: 1, declared: 10, attempted: 11)) {
            try await tar.write([UInt8](repeating: 1, count: 5))
        }
        #expect(tar.output.bytes.count == 512 + 6)
        try await tar.write([UInt8](repeating: 1, count: 4))
        try await tar.endFile()
        #expect(tar.output.bytes.count == 1024)
    }

    @Test func closingAFileBeforeItsDeclaredSizeIsRefused() async throws {
        var tar = TarWriter(output: TarCollectingSink())
        try await tar.beginFile(name: "f", size: 10, mtime: Self.mtime)
        try await tar.write([1, 2, 3])
        await #expect(throws: TarWriterError.tooFewBytes(entry: 1, declared: 10, written: 3)) { try await tar.endFile() }
        await #expect(throws: TarWriterError.fileStillOpen(entry: 1)) { try await tar.finish() }
        await #expect(throws: TarWriterError.fileStillOpen(entry: 1)) {
            try await tar.beginFile(name: "g", size: 0, mtime: Self.mtime)
        }
    }

    @Test func callsOutOfOrderAreRefused() async throws {
        var tar = TarWriter(output: TarCollectingSink())
        await #expect(throws: TarWriterError.noFileOpen) { try await tar.write([1]) }
        await #expect(throws: TarWriterError.noFileOpen) { try await tar.endFile() }
        try await tar.finish()
        await #expect(throws: TarWriterError.alreadyFinished) { try await tar.beginFile(name: "f", size: 0, mtime: Self.mtime) }
        await #expect(throws: TarWriterError.alreadyFinished) { try await tar.finish() }
    }

    @Test(arguments: ["", "/etc/passwd", "../escape", "a/../../b", "a//b", "dir/", "./a", "a\u{0}b"])
    func unsafeNamesAreRefused(name: String) async throws {
        var tar = TarWriter(output: TarCollectingSink())
        await #expect { try await tar.beginFile(name: name, size: 0, mtime: Self.mtime) } throws: { if case .invalidName? = $0 as? TarWriterError { true } else { false } }
        #expect(tar.output.bytes.isEmpty)
        #expect(tar.entryCount == 0)
    }

    @Test func badModesAndTimesAreRefused() async throws {
        var tar = TarWriter(output: TarCollectingSink())
        await #expect(throws: TarWriterError.invalidMode(entry: 1, mode: 0o10000)) {
            try await tar.beginFile(name: "f", size: 0, mode: 0o10000, mtime: Self.mtime)
        }
        await #expect(throws: TarWriterError.invalidModificationTime(entry: 1)) {
            try await tar.beginFile(name: "f", size: 0, mtime: Date(timeIntervalSince1970: -1))
        }
    }

    @Test func errorsNeverNameTheFile() {
        let error = TarWriterError.invalidName(entry: 3, reason: "absolute path")
        #expect(error.description == "tar entry 3: invalid name (absolute path)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/age"), "the age binary is not installed"))
    func tarInsideAgeDecryptsAndExtracts() async throws {
        let directory = try TarTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.txt")
        _ = try await TarTool.run(["-o", key.path], tool: "/usr/bin/age-keygen")
        let keyText = try String(contentsOf: key, encoding: .utf8)
        let recipient = try #require(keyText.split(separator: "\n").first { $0.hasPrefix("# public key: ") }?.split(separator: " ").last)
        let content = tarPattern(200_000)
        var tar = TarWriter(output: try AgeEncryptor(recipient: .x25519(String(recipient)), output: TarCollectingSink()))
        try await tar.beginFile(name: "recordings/R1.webm", size: UInt64(content.count), mtime: Self.mtime)
        try await tar.write(content)
        try await tar.endFile()
        var age = try await tar.finish()
        let encrypted = directory.appendingPathComponent("bundle.tar.age")
        try Data(try await age.finish().bytes).write(to: encrypted)
        let archive = directory.appendingPathComponent("bundle.tar")
        _ = try await TarTool.run(["-d", "-i", key.path, "-o", archive.path, encrypted.path], tool: "/usr/bin/age")
        _ = try await TarTool.run(["-xf", archive.path, "-C", directory.path])
        #expect(Array(try Data(contentsOf: directory.appendingPathComponent("recordings/R1.webm"))) == content)
    }

    @Test func vaultStreamsARecordingIntoTheArchive() async throws {
        let test = try await TestVault.make()
        defer { test.remove() }
        let bytes = tarPattern(150_000)
        let summary = try await test.ingest(bytes)
        let role = try await test.vault.unlockRole("clinician", passphrase: test.passphrase)
        let opened = try await test.vault.open(summary.id, as: role, actor: "test")
        var tar = TarWriter(output: TarCollectingSink())
        try await tar.beginFile(name: "recordings/R1.webm", size: UInt64(opened.byteCount), mtime: Self.mtime)
        try await test.vault.stream(opened, to: &tar)
        try await tar.endFile()
        let archive = try await tar.finish().bytes
        #expect(Array(archive[512..<(512 + bytes.count)]) == bytes)
    }
}

// MARK: - Support

/// Collects the archive in memory.
struct TarCollectingSink: ByteSink {
    var bytes: [UInt8] = []
    mutating func write(_ slice: ArraySlice<UInt8>) async throws { bytes.append(contentsOf: slice) }
}

private func tarPattern(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 9) }
}

/// A header field as text, up to its first NUL.
private func field(_ block: [UInt8], _ offset: Int, _ width: Int) -> String {
    let bytes = block[offset..<(offset + width)]
    return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

/// GNU tar (and the age tools) as child processes.
private enum TarTool {
    struct Failure: Error, CustomStringConvertible {
        let status: Int32
        let stderr: String
        var description: String { "exit \(status): \(stderr)" }
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tar-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs the tool and returns its stdout.
    static func run(_ arguments: [String], tool: String = "/usr/bin/tar", allowFailure: Bool = false) async throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "UTC"
        environment["LC_ALL"] = "C.UTF-8"
        let result = try await ChildProcess.run(URL(fileURLWithPath: tool), arguments, environment: environment)
        guard result.status == 0 || allowFailure else { throw Failure(status: result.status, stderr: result.stderr) }
        return result.out
    }
}
