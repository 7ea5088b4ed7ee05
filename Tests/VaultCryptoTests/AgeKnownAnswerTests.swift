import Testing

@testable import VaultCrypto

/// Known-answer vectors: RFC 5869 for HKDF, the age testkit for the scrypt stanza and header MAC, and the
/// byte layout of the payload.
@Suite struct AgeKnownAnswerTests {
    /// The age testkit's file key, "YELLOW SUBMARINE".
    static let testkitFileKey = Hex.decode("59454c4c4f57205355424d4152494e45")!

    @Test func hkdfMatchesRFC5869TestCase1() throws {
        let ikm = [UInt8](repeating: 0x0b, count: 22)
        let salt: [UInt8] = Array(0x00...0x0c)
        let info: [UInt8] = Array(0xf0...0xf9)
        let okm = try HKDFSHA256.deriveKey(ikm: SecureBytes(copying: ikm), salt: salt, info: info)
        // The first 32 of the RFC's 42 bytes: HKDF's first output block.
        #expect(Hex.encode(okm.testBytes) == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf")
    }

    @Test func hkdfWithEmptySaltAndInfoMatchesRFC5869TestCase3() throws {
        let ikm = [UInt8](repeating: 0x0b, count: 22)
        let okm = try HKDFSHA256.deriveKey(ikm: SecureBytes(copying: ikm), salt: [], info: [])
        #expect(Hex.encode(okm.testBytes) == "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d")
    }

    @Test func scryptStanzaAndHeaderMatchTheAgeTestkit() throws {
        // testkit/scrypt: passphrase "password", salt rF0/NwblUHHTpgQgRpe5CQ, log2 N 10.
        let fileKey = try SecureBytes(copying: Self.testkitFileKey)
        let stanza = try AgeStanza.scrypt(
            fileKey: fileKey,
            passphrase: SecureBytes(copying: Array("password".utf8)),
            logN: 10,
            salt: Hex.decode("ac5d3f3706e55071d3a604204697b909")!
        )
        let expected = """
            age-encryption.org/v1
            -> scrypt rF0/NwblUHHTpgQgRpe5CQ 10
            gUjEymFKMVXQEKdMMHL24oYexjE3TIC0O0zGSqJ2aUY
            --- IOXiQYStkoT1mvZW2tFOqZdhRVvj58egABx/sWfZQbc

            """
        #expect(String(decoding: try AgeHeader.encode([stanza], fileKey: fileKey), as: UTF8.self) == expected)
    }

    /// The whole-file vector of docs/FORMAT.md §10.6: file key "YELLOW SUBMARINE", the spec's example
    /// recipient (identity 0x42 × 32), ephemeral secret 0x43 × 32, payload nonce 0x00…0x0f. The expected
    /// bytes come from an independent implementation (python3-cryptography, written from the spec) and
    /// decrypt with `age -d` under the spec's example identity.
    static func referenceFile(_ plaintext: [UInt8]) async throws -> [UInt8] {
        let fileKey = try SecureBytes(copying: testkitFileKey)
        let stanza = try AgeStanza.x25519(
            fileKey: fileKey,
            recipient: X25519Recipient(parsing: AgeRecipientTests.specRecipient),
            ephemeralSecret: SecureBytes(copying: [UInt8](repeating: 0x43, count: 32))
        )
        var age = try AgeEncryptor(fileKey: fileKey, stanzas: [stanza], nonce: Array(0x00...0x0f), output: AgeCollectingSink())
        try await age.writeInPieces(plaintext, pieceSize: 4_093)
        return try await age.finish().bytes
    }

    static let referenceHeader = """
        age-encryption.org/v1
        -> X25519 ze/YeDqRtEZkDi4flVmds15ISgBxvSGCs7YNCBLBDHA
        R5BPvfobyh4iW84Tt7q8K31tjjLHvPykABlklpFl9eg
        --- TIjeEAq2bLU/tTNkAVE0AKSJ8V2xYexrC3MwJaJX3KE

        """

    @Test func shortFileMatchesTheIndependentReference() async throws {
        let file = try await Self.referenceFile(Array("SessionVault subject access bundle\n".utf8))
        let header = Array(Self.referenceHeader.utf8)
        #expect(Array(file.prefix(header.count)) == header)
        #expect(
            Hex.encode(file.dropFirst(header.count))
                == "000102030405060708090a0b0c0d0e0f"
                + "1e8eec63088fbdc5e07f629bdabfa02e4ac09acd2fdda3922079d7e26ae171d3f9800f8f4ca9b993d42a355bf56fafe7957f0d"
        )
    }

    @Test func emptyFileIsOneEmptyFinalChunk() async throws {
        let file = try await Self.referenceFile([])
        let header = Array(Self.referenceHeader.utf8)
        #expect(Hex.encode(file.dropFirst(header.count)) == "000102030405060708090a0b0c0d0e0f61dc7e0b63ff973e4249c49aa09f5353")
    }

    @Test func multiChunkFileMatchesTheIndependentReference() async throws {
        let plaintext = (0..<(3 * 65536 + 5)).map { UInt8($0 % 251) }
        let file = try await Self.referenceFile(plaintext)
        #expect(file.count == 196_861)
        var digest = StreamingSHA256()
        digest.update(file)
        #expect(Hex.encode(digest.finalize()) == "951a25075c70bb565e3e462843a313a78d59bd4c87dfc133db030441a0925bc5")
    }

    @Test func stanzaBodiesWrapAt64ColumnsAndEndWithAShortLine() {
        #expect(AgeBase64.wrappedBody([]) == [0x0a])
        let one = AgeBase64.wrappedBody([UInt8](repeating: 0xff, count: 32))
        #expect(String(decoding: one, as: UTF8.self) == String(repeating: "/", count: 42) + "8\n")
        // 48 bytes are exactly 64 characters: a full line, then the required short (empty) line.
        let full = String(decoding: AgeBase64.wrappedBody([UInt8](repeating: 0, count: 48)), as: UTF8.self)
        #expect(full == String(repeating: "A", count: 64) + "\n\n")
        let long = String(decoding: AgeBase64.wrappedBody([UInt8](repeating: 0, count: 50)), as: UTF8.self)
        #expect(long == String(repeating: "A", count: 64) + "\nAAA\n")
        #expect(!long.contains("="))
    }

    @Test func chunkNoncesAreABigEndianCounterAndAFinalFlag() {
        #expect(AgePayloadStream.chunkNonce(index: 0, isFinal: false) == [UInt8](repeating: 0, count: 12))
        #expect(Hex.encode(AgePayloadStream.chunkNonce(index: 1, isFinal: true)) == "000000000000000000000101")
        #expect(
            Hex.encode(AgePayloadStream.chunkNonce(index: 0x0102_0304_0506_0708, isFinal: false))
                == "000000010203040506070800"
        )
    }

    @Test func x25519StanzaHasTheShareAsArgumentAndA32ByteBody() throws {
        let fileKey = try SecureBytes(copying: Self.testkitFileKey)
        let ephemeral = try SecureBytes(copying: [UInt8](repeating: 0x42, count: 32))
        let recipient = try X25519Recipient(parsing: AgeRecipientTests.specRecipient)
        let stanza = try AgeStanza.x25519(fileKey: fileKey, recipient: recipient, ephemeralSecret: ephemeral)
        #expect(stanza.arguments == ["X25519", AgeBase64.encode(recipient.publicKey)])
        #expect(stanza.body.count == 32)
        // Deterministic in its inputs, different for another ephemeral secret.
        #expect(try AgeStanza.x25519(fileKey: fileKey, recipient: recipient, ephemeralSecret: ephemeral) == stanza)
        let other = try SecureBytes(copying: [UInt8](repeating: 0x43, count: 32))
        #expect(try AgeStanza.x25519(fileKey: fileKey, recipient: recipient, ephemeralSecret: other) != stanza)
    }

    @Test(arguments: [0, 1, 65535, 65536, 65537, 3 * 65536 + 5])
    func payloadIsANonceThenFullChunksThenOneShortFinalChunk(size: Int) async throws {
        let fileKey = try SecureBytes(copying: Self.testkitFileKey)
        let stanza = AgeStanza(arguments: ["test"], body: [])
        let header = try AgeHeader.encode([stanza], fileKey: fileKey)
        let nonce = [UInt8](repeating: 0x11, count: 16)
        var age = try AgeEncryptor(fileKey: fileKey, stanzas: [stanza], nonce: nonce, output: AgeCollectingSink())
        try await age.writeInPieces(AgePattern.bytes(size), pieceSize: 7_001)
        let sink = try await age.finish()
        let chunkCount = max(1, (size + 65535) / 65536)
        #expect(sink.bytes.count == header.count + 16 + size + 16 * chunkCount)
        #expect(UInt64(sink.bytes.count - header.count) == AgePayloadStream.payloadSize(plaintextCount: UInt64(size)))
        #expect(Array(sink.bytes.prefix(header.count)) == header)
        #expect(Array(sink.bytes[header.count..<(header.count + 16)]) == nonce)
        // One write for header and nonce, then one per sealed chunk: full ones 64 KiB + 16.
        let lastChunk = size - (chunkCount - 1) * 65536 + 16
        #expect(sink.writeSizes == [header.count + 16] + [Int](repeating: 65552, count: chunkCount - 1) + [lastChunk])
    }
}
