import Testing

@testable import VaultCrypto
import VaultModel

/// The writer's life cycle: what it writes when, and what it refuses.
@Suite struct AgeEncryptorTests {
    static func x25519Writer<Output: ByteSink>(output: Output) throws -> AgeEncryptor<Output> {
        try AgeEncryptor(recipient: .x25519(AgeRecipientTests.specRecipient), output: output)
    }

    @Test func nothingIsWrittenBeforeTheFirstWriteOrFinish() async throws {
        var age = try Self.x25519Writer(output: AgeCollectingSink())
        try await age.write([])
        let sink = try await age.finish()
        #expect(sink.writeSizes.count == 2)
        let text = String(decoding: sink.bytes, as: UTF8.self)
        #expect(text.hasPrefix("age-encryption.org/v1\n-> X25519 "))
    }

    @Test func headerHasOneX25519StanzaAndAMacLine() async throws {
        var age = try Self.x25519Writer(output: AgeCollectingSink())
        let sink = try await age.finish()
        let lines = sink.bytes.split(separator: 0x0a, maxSplits: 4, omittingEmptySubsequences: false)
            .prefix(4).map { String(decoding: $0, as: UTF8.self) }
        #expect(lines[0] == "age-encryption.org/v1")
        let arguments = lines[1].split(separator: " ")
        #expect(arguments.count == 3 && arguments[0] == "->" && arguments[1] == "X25519" && arguments[2].count == 43)
        #expect(lines[2].count == 43)
        #expect(lines[3].hasPrefix("--- ") && lines[3].count == 47)
    }

    @Test func scryptHeaderHasOnlyTheScryptStanza() async throws {
        let passphrase = try SecureBytes(copying: Array("correct horse battery staple".utf8))
        var age = try AgeEncryptor(recipient: .scrypt(passphrase: passphrase, workFactor: 10), output: AgeCollectingSink())
        let sink = try await age.finish()
        let text = String(decoding: sink.bytes.prefix(200), as: UTF8.self)
        let stanzaLines = text.split(separator: "\n").filter { $0.hasPrefix("->") }
        #expect(stanzaLines.count == 1)
        let arguments = stanzaLines[0].split(separator: " ")
        #expect(arguments.count == 4 && arguments[1] == "scrypt" && arguments[2].count == 22 && arguments[3] == "10")
    }

    @Test func twoFilesForTheSameRecipientShareNoKeyMaterial() async throws {
        var first = try Self.x25519Writer(output: AgeCollectingSink())
        var second = try Self.x25519Writer(output: AgeCollectingSink())
        let a = try await first.finish().bytes
        let b = try await second.finish().bytes
        #expect(a.count == b.count)
        #expect(a != b)
        // Different ephemeral shares (line 2) and payload nonces.
        #expect(a.split(separator: 0x0a)[1] != b.split(separator: 0x0a)[1])
        #expect(a.suffix(32) != b.suffix(32))
    }

    @Test func writingAfterFinishIsRefused() async throws {
        var age = try Self.x25519Writer(output: AgeCollectingSink())
        try await age.write([1, 2, 3])
        try await age.finish()
        await #expect(throws: AgeError.alreadyFinished) { try await age.write([4]) }
        await #expect(throws: AgeError.alreadyFinished) { try await age.finish() }
    }

    @Test func outputFailureLeavesTheWriterRefusingMoreWork() async throws {
        var age = try Self.x25519Writer(output: AgeFailingSink(failOnWrite: 2))
        // The header goes out with the first full chunk; the chunk itself fails.
        try await age.write(AgePattern.bytes(65536))
        await #expect(throws: AgeFailingSink.Failure.self) { try await age.write([0]) }
        await #expect(throws: AgeError.outputFailedEarlier) { try await age.write([0]) }
        await #expect(throws: AgeError.outputFailedEarlier) { try await age.finish() }
    }

    @Test func memoryStaysWithinOneChunkWhateverTheWriteSize() async throws {
        var age = try Self.x25519Writer(output: AgeCollectingSink(keepBytes: false))
        try await age.write(AgePattern.bytes(5 * 65536 + 3))
        let sink = try await age.finish()
        #expect(sink.writeSizes.dropFirst().allSatisfy { $0 <= 65536 + 16 })
        #expect(sink.writeSizes.count == 1 + 6)
        #expect(age.plaintextByteCount == 5 * 65536 + 3)
    }
}
