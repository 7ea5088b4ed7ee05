import Testing

@testable import VaultCrypto

@Suite struct EncodingAndDigestTests {
    @Test func hexRoundTripsAndIsLowercase() {
        let bytes: [UInt8] = [0x00, 0x01, 0xab, 0xff]
        #expect(Hex.encode(bytes) == "0001abff")
        #expect(Hex.decode("0001abff") == bytes)
        #expect(Hex.decode("0001ABFF") == bytes)
        #expect(Hex.decode("") == [])
    }

    @Test(arguments: ["0", "zz", "0g", " 00", "00 "])
    func malformedHexIsRejected(text: String) {
        #expect(Hex.decode(text) == nil)
    }

    @Test func constantTimeEqualsComparesLengthAndContents() {
        #expect(ConstantTime.equals([], []))
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
    }

    @Test func streamingDigestEqualsOneShotDigest() {
        let data = Fixture.plaintext(count: 100_003)
        var hasher = StreamingSHA256()
        var offset = 0
        for piece in [1, 63, 64, 65, 4096, 50_000] {
            hasher.update(Array(data[offset..<offset + piece]))
            offset += piece
        }
        hasher.update(Array(data[offset...]))
        #expect(hasher.finalize() == ChunkDigest.sha256(data))
        #expect(hasher.finalize() == hasher.finalize())
    }

    @Test func sodiumInitializesIdempotently() throws {
        try Sodium.initialize()
        try Sodium.initialize()
        #expect(Sodium.libraryVersion.hasPrefix("1."))
    }
}
