import Testing

@testable import VaultCrypto

@Suite struct SigningKeyPairTests {
    static let message = Array("disposal certificate for a0a1…af".utf8)

    @Test func signatureVerifiesWithTheSignersPublicKey() throws {
        let pair = try SigningKeyPair.generate()
        let signature = pair.sign(Self.message)
        #expect(signature.count == 64 && pair.publicKey.count == 32 && pair.secretKey.count == 64)
        #expect(SigningKeyPair.verify(signature: signature, message: Self.message, publicKey: pair.publicKey))
        try SigningKeyPair.requireValid(signature: signature, message: Self.message, publicKey: pair.publicKey)
    }

    @Test func alteredMessageSignatureOrKeyFailsVerification() throws {
        let pair = try SigningKeyPair.generate()
        let signature = pair.sign(Self.message)
        var message = Self.message
        message[0] ^= 1
        var forged = signature
        forged[10] ^= 1
        let stranger = try SigningKeyPair.generate()
        #expect(!SigningKeyPair.verify(signature: signature, message: message, publicKey: pair.publicKey))
        #expect(!SigningKeyPair.verify(signature: forged, message: Self.message, publicKey: pair.publicKey))
        #expect(!SigningKeyPair.verify(signature: signature, message: Self.message, publicKey: stranger.publicKey))
        #expect(
            !SigningKeyPair.verify(
                signature: Array(signature.prefix(63)),
                message: Self.message,
                publicKey: pair.publicKey
            )
        )
        #expect(throws: CryptoError.signatureInvalid) {
            try SigningKeyPair.requireValid(signature: forged, message: Self.message, publicKey: pair.publicKey)
        }
    }

    @Test func keyPairRestoresFromSecretKeyOrSeed() throws {
        let pair = try SigningKeyPair.generate()
        let restored = try SigningKeyPair(secretKey: pair.secretKey)
        #expect(restored.publicKey == pair.publicKey)
        let seed = try SecureBytes(copying: pair.secretKey.testBytes.prefix(32))
        let fromSeed = try SigningKeyPair(secretKey: seed)
        #expect(fromSeed.publicKey == pair.publicKey)
        #expect(fromSeed.secretKey.constantTimeEquals(pair.secretKey))
    }

    @Test func secretKeyWithAForeignPublicHalfIsRefused() throws {
        let a = try SigningKeyPair.generate()
        let b = try SigningKeyPair.generate()
        let spliced = try SecureBytes(copying: a.secretKey.testBytes.prefix(32) + b.publicKey)
        #expect(throws: CryptoError.keyPairMismatch) { _ = try SigningKeyPair(secretKey: spliced) }
        #expect { _ = try SigningKeyPair(secretKey: SecureBytes.random(count: 48)) } throws: { if case .invalidKeyLength? = $0 as? CryptoError { true } else { false } }
    }
}
