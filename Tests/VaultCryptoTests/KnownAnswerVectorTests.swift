import Foundation
import Testing

@testable import VaultCrypto

/// The test vectors published in docs/FORMAT.md ("Test vectors"), hard-coded here too. They were
/// generated with this module and recomputed independently in Python (OpenSSL's AES-GCM and
/// ChaCha20-Poly1305 with a hand-written HChaCha20, CPython's BLAKE2b and SHA-256, PyNaCl for the
/// sealed box and Argon2id), so they pin the format, not just this implementation.
@Suite struct KnownAnswerVectorTests {
    struct ChunkVector: Sendable, CustomTestStringConvertible {
        let algorithm: ChunkAlgorithm
        let index: UInt64
        let isLast: Bool
        let plaintext: String
        let sealed: String
        let sha256: String
        var testDescription: String { "\(algorithm) #\(index)" }
    }

    static let chunkVectors: [ChunkVector] = [
        ChunkVector(
            algorithm: .aes256gcm,
            index: 0,
            isLast: false,
            plaintext: "SessionVault test vector",
            sealed: "5356434b01010000a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0000000000000000000000180000000"
                + "05dd9c6addc43edeb69ddc5413858f4eaa66320364bf50f5d159b8aa48e9664cc78ecdec3934eb00c",
            sha256: "1a6ffdecd043fd78677bf12d8800f8b534f5d7577e3815a5e86896a599931277"
        ),
        ChunkVector(
            algorithm: .aes256gcm,
            index: 1,
            isLast: true,
            plaintext: "SessionVault test vector, last chunk",
            sealed: "5356434b01010000a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0000000000000001000000240100000"
                + "052aec79c6cff94287b73d4d2e45893387714c7bf07e4f00ed8c2b2e3c03ea1dff8c17c53ab5c0c62"
                + "143c8aebcce5ed45e23d7c32",
            sha256: "9ad9735a02434e9151aff35d5d6a26940ebdda0bd43d37f7cf8e4a648b51acec"
        ),
        ChunkVector(
            algorithm: .xchacha20poly1305,
            index: 0,
            isLast: false,
            plaintext: "SessionVault test vector",
            sealed: "5356434b01020000a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0000000000000000000000180000000"
                + "0c663ffb485e78b4f77fb134dcc625b99489cdbf619e42279451cf54ce5b12467755a33dd95774c0d",
            sha256: "551a89f94db3a85298c396fe3a0ca8cc664c0588cb182a940d9f3dc2aed79fa1"
        ),
        ChunkVector(
            algorithm: .xchacha20poly1305,
            index: 1,
            isLast: true,
            plaintext: "SessionVault test vector, last chunk",
            sealed: "5356434b01020000a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0000000000000001000000240100000"
                + "01d08b8ffd5799e057de3c2f6a70c1d3a00eebf6eb5f1b87ac7fcbb05f270450408f6f67337224949"
                + "768122ec67dbfd1fa079fd68",
            sha256: "f8df714cd3053c984000b38ea0ae2452acdca28bab5dd036ce7687d9f115124b"
        ),
    ].filter { $0.algorithm.isAvailable }

    @Test(arguments: chunkVectors)
    func sealingReproducesTheDocumentedChunk(vector: ChunkVector) throws {
        let sealer = try Fixture.sealer(vector.algorithm)
        let sealed = try sealer.seal(Array(vector.plaintext.utf8), index: vector.index, isLast: vector.isLast)
        #expect(Hex.encode(sealed) == vector.sealed)
    }

    @Test(arguments: chunkVectors)
    func openingTheDocumentedChunkRecoversItsPlaintext(vector: ChunkVector) throws {
        let sealer = try Fixture.sealer(vector.algorithm)
        let plaintext = try sealer.open(Hex.decode(vector.sealed)!, index: vector.index, isLast: vector.isLast)
        #expect(String(decoding: plaintext, as: UTF8.self) == vector.plaintext)
    }

    @Test(arguments: chunkVectors)
    func ciphertextDigestMatchesTheDocumentedSHA256(vector: ChunkVector) {
        #expect(Hex.encode(ChunkDigest.sha256(Hex.decode(vector.sealed)!)) == vector.sha256)
    }

    @Test func manifestTagMatchesTheDocumentedVector() throws {
        let manifest = Array(#"{"recording":"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf","chunks":2}"#.utf8)
        let tag = try ManifestAuthenticator(key: Fixture.dataKey()).tag(manifest)
        #expect(Hex.encode(tag) == "33a28cb59a26f0239c80d11693456ca9846d802786d3f3bbc4d85ee0e45a26ca")
    }

    @Test(arguments: ["943 476 5919", " 943-476-5919\n", "9434765919"])
    func pseudonymMatchesTheDocumentedVector(identifier: String) throws {
        let key = try PseudonymKey(bytes: SecureBytes(copying: (0x20..<0x40).map { UInt8($0) }))
        #expect(key.pseudonym(of: identifier) == "1f2b27b94fb17381dca0eb7dce43723b4fbf779425ca9705adb112648a70c232")
    }

    static let roleSecretKey: [UInt8] = (0x60..<0x80).map { UInt8($0) }
    static let rolePublicKey = "675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f"

    private static func roleKeyPair() throws -> RoleKeyPair {
        try RoleKeyPair(
            publicKey: RolePublicKey(bytes: Hex.decode(rolePublicKey)!),
            secretKey: SecureBytes(copying: roleSecretKey)
        )
    }

    @Test func roleKeyIDMatchesTheDocumentedVector() throws {
        #expect(try Self.roleKeyPair().publicKey.keyID == "0796a4e1fbf9967e")
    }

    static let wrappedByPyNaCl =
        "fca075a1732c25a155d6a734bf046b6137650a4a2a09a63170639fb70b30b6218597d9a93a4df9727cd5d1a1ebb62146"
        + "880d3fae4eb55745ea4640d649f4537961101255318c52bd13c3ebc6ad5711d7f57ece33c0571cf12fd0f4fe45be9ab1"

    @Test func keyWrapMadeByPyNaClUnwraps() throws {
        let wrapped = Hex.decode(Self.wrappedByPyNaCl)!
        let key = try KeyWrap.unwrap(wrapped, recordingID: Fixture.recordingID, with: Self.roleKeyPair())
        #expect(key.bytes.testBytes == Fixture.dataKeyBytes)
    }

    @Test func passphraseSecretMadeByPyNaClOpens() throws {
        let json = #"""
            {"version": 1, "kdf": "argon2id13", "opsLimit": 2, "memLimit": 67108864,
             "salt": "wMHCw8TFxsfIycrLzM3Ozw==", "nonce": "0NHS09TV1tfY2drb3N3e3+Dh4uPk5ebn",
             "ciphertext": "zQSPsOc2KgLFUjWuMjTrCFVFwMLWROb8HgP5Q/8IoR/lKXyNLtywRH4wA1RXf1Er"}
            """#
        let sealed = try JSONDecoding.decode(PassphraseSealedSecret.self, from: json)
        let secret = try sealed.open(
            passphrase: SecureBytes(copying: Array("correct horse battery staple".utf8)),
            context: "role:clinician"
        )
        #expect(secret.testBytes == Self.roleSecretKey)
    }

    /// RFC 8032 section 7.1, TEST 1 (empty message).
    @Test func ed25519MatchesRFC8032TestOne() throws {
        let seed = Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!
        let pair = try SigningKeyPair(secretKey: SecureBytes(copying: seed))
        #expect(Hex.encode(pair.publicKey) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let signature = pair.sign([])
        #expect(
            Hex.encode(signature) == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        )
        #expect(SigningKeyPair.verify(signature: signature, message: [], publicKey: pair.publicKey))
    }

    /// Guards against the document and the tests drifting apart: every value hard-coded above must
    /// appear verbatim in docs/FORMAT.md.
    @Test func formatDocumentPublishesTheSameVectors() throws {
        let testFile = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        let document = testFile.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/FORMAT.md")
        let text = try String(contentsOf: document, encoding: .utf8)
        let values =
            Self.chunkVectors.flatMap { [$0.sealed, $0.sha256] } + [
                "33a28cb59a26f0239c80d11693456ca9846d802786d3f3bbc4d85ee0e45a26ca",
                "1f2b27b94fb17381dca0eb7dce43723b4fbf779425ca9705adb112648a70c232",
                "0796a4e1fbf9967e", Self.rolePublicKey, Self.wrappedByPyNaCl,
                "zQSPsOc2KgLFUjWuMjTrCFVFwMLWROb8HgP5Q/8IoR/lKXyNLtywRH4wA1RXf1Er",
            ]
        for value in values {
            #expect(text.contains(value), "docs/FORMAT.md lacks \(value.prefix(24))…")
        }
    }

    /// FIPS 180-2 "abc" and the empty string.
    @Test func sha256MatchesFIPSVectors() {
        #expect(
            Hex.encode(ChunkDigest.sha256(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
        #expect(
            Hex.encode(ChunkDigest.sha256([UInt8]()))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
    }
}
