import Testing

@testable import VaultCrypto

/// Published AEAD test vectors and Wycheproof-style negative cases, run through ``AEADCipher``, the same
/// layer that seals chunks.
@Suite struct AEADReferenceVectorTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let algorithm: ChunkAlgorithm
        let key: String
        let nonce: String
        let ad: String
        let plaintext: String
        let ciphertext: String
        let tag: String
        var testDescription: String { name }
    }

    static let vectors: [Vector] = [
        // McGrew & Viega, "The Galois/Counter Mode of Operation", Test Case 14 (AES-256, one zero block).
        Vector(
            name: "GCM spec test case 14",
            algorithm: .aes256gcm,
            key: String(repeating: "00", count: 32),
            nonce: String(repeating: "00", count: 12),
            ad: "",
            plaintext: String(repeating: "00", count: 16),
            ciphertext: "cea7403d4d606b6e074ec5d3baf39d18",
            tag: "d0d1c8a799996bf0265b98b5d48ab919"
        ),
        // Same document, Test Case 16 (AES-256, 60-byte plaintext, 20-byte AAD).
        Vector(
            name: "GCM spec test case 16",
            algorithm: .aes256gcm,
            key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            nonce: "cafebabefacedbaddecaf888",
            ad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            tag: "76fc6ece0f4e1768cddf8853bb2d551b"
        ),
        // draft-irtf-cfrg-xchacha-03, Appendix A.3.1.
        Vector(
            name: "XChaCha draft A.3.1",
            algorithm: .xchacha20poly1305,
            key: "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
            nonce: "404142434445464748494a4b4c4d4e4f5051525354555657",
            ad: "50515253c0c1c2c3c4c5c6c7",
            plaintext: Hex.encode(
                Array(
                    ("Ladies and Gentlemen of the class of '99: If I could offer you only one "
                        + "tip for the future, sunscreen would be it.").utf8
                )
            ),
            ciphertext: "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
                + "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
                + "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
                + "21f9664c97637da9768812f615c68b13b52e",
            tag: "c0875924c1c7987947deafd8780acf49"
        ),
    ].filter { $0.algorithm.isAvailable }

    /// The inputs of a vector, decoded.
    struct Case {
        var key: [UInt8], nonce: [UInt8], ad: [UInt8], plaintext: [UInt8], ciphertext: [UInt8], tag: [UInt8]
        init(_ vector: Vector) {
            key = Hex.decode(vector.key)!
            nonce = Hex.decode(vector.nonce)!
            ad = Hex.decode(vector.ad)!
            plaintext = Hex.decode(vector.plaintext)!
            ciphertext = Hex.decode(vector.ciphertext)!
            tag = Hex.decode(vector.tag)!
        }
    }

    private static func cipher(_ algorithm: ChunkAlgorithm, key: [UInt8]) throws -> AEADCipher {
        try AEADCipher(algorithm: algorithm, key: SecureBytes(copying: key))
    }

    private static func seal(_ algorithm: ChunkAlgorithm, _ c: Case) throws -> (ciphertext: [UInt8], tag: [UInt8]) {
        let cipher = try cipher(algorithm, key: c.key)
        var ciphertext = [UInt8](repeating: 0, count: c.plaintext.count)
        var tag = [UInt8](repeating: 0, count: 16)
        let result: Result<Void, CryptoError> = c.plaintext.withUnsafeBytes { plaintext in
            ciphertext.withUnsafeMutableBytes { out in
                tag.withUnsafeMutableBytes { tagOut in
                    c.ad.withUnsafeBytes { ad in
                        c.nonce.withUnsafeBytes { nonce in
                            Result { () throws(CryptoError) in
                                try cipher.seal(plaintext, into: out, tag: tagOut, associatedData: ad, nonce: nonce)
                            }
                        }
                    }
                }
            }
        }
        try result.get()
        return (ciphertext, tag)
    }

    private static func open(_ algorithm: ChunkAlgorithm, _ c: Case) throws -> [UInt8]? {
        let cipher = try cipher(algorithm, key: c.key)
        var plaintext = [UInt8](repeating: 0, count: c.ciphertext.count)
        let verified = try c.ciphertext.withUnsafeBytes { ciphertext in
            try c.tag.withUnsafeBytes { tag in
                try c.ad.withUnsafeBytes { ad in
                    try c.nonce.withUnsafeBytes { nonce in
                        try plaintext.withUnsafeMutableBytes { out in
                            try cipher.open(ciphertext, tag: tag, associatedData: ad, nonce: nonce, into: out)
                        }
                    }
                }
            }
        }
        return verified ? plaintext : nil
    }

    @Test(arguments: vectors)
    func sealingReproducesThePublishedCiphertextAndTag(vector: Vector) throws {
        let sealed = try Self.seal(vector.algorithm, Case(vector))
        #expect(Hex.encode(sealed.ciphertext) == vector.ciphertext)
        #expect(Hex.encode(sealed.tag) == vector.tag)
    }

    @Test(arguments: vectors)
    func openingThePublishedCiphertextRecoversThePlaintext(vector: Vector) throws {
        #expect(try Self.open(vector.algorithm, Case(vector)).map(Hex.encode) == vector.plaintext)
    }

    enum Mutation: String, CaseIterable, Sendable {
        case flippedTagFirstBit, flippedTagLastBit, flippedCiphertext, wrongNonce, wrongAssociatedData,
            droppedAssociatedData, wrongKey, truncatedTag

        func apply(to c: inout Case) {
            switch self {
            case .flippedTagFirstBit: c.tag[0] ^= 0x01
            case .flippedTagLastBit: c.tag[15] ^= 0x80
            case .flippedCiphertext: c.ciphertext[c.ciphertext.count / 2] ^= 0x01
            case .wrongNonce: c.nonce[0] ^= 0x01
            case .wrongAssociatedData: c.ad = c.ad.isEmpty ? [0] : c.ad.dropLast() + [c.ad.last! ^ 0x01]
            case .droppedAssociatedData: c.ad = c.ad.isEmpty ? [0x00] : []
            case .wrongKey: c.key[31] ^= 0x01
            case .truncatedTag: c.tag.removeLast()
            }
        }
    }

    @Test(arguments: vectors, Mutation.allCases)
    func anyAlteredInputFailsToOpen(vector: Vector, mutation: Mutation) throws {
        var altered = Case(vector)
        mutation.apply(to: &altered)
        #expect(try Self.open(vector.algorithm, altered) == nil)
    }

    @Test(arguments: Fixture.algorithms)
    func onlyThirtyTwoByteKeysAreAccepted(algorithm: ChunkAlgorithm) {
        #expect(throws: CryptoError.invalidKeyLength(what: "data key", expected: 32, got: 31)) {
            _ = try AEADCipher(algorithm: algorithm, key: SecureBytes(copying: [UInt8](repeating: 1, count: 31)))
        }
    }
}
