import Testing

@testable import VaultCrypto

@Suite struct RoleKeyPairTests {
    @Test func generatedPairPassesItsOwnConsistencyCheck() throws {
        let pair = try RoleKeyPair.generate()
        #expect(pair.secretKey.count == 32)
        let again = try RoleKeyPair(publicKey: pair.publicKey, secretKey: pair.secretKey)
        #expect(again.publicKey == pair.publicKey)
    }

    @Test func secretKeyOfAnotherPairIsAMismatch() throws {
        let a = try RoleKeyPair.generate()
        let b = try RoleKeyPair.generate()
        #expect(throws: CryptoError.keyPairMismatch) {
            _ = try RoleKeyPair(publicKey: a.publicKey, secretKey: b.secretKey)
        }
        #expect(throws: CryptoError.invalidKeyLength(what: "role secret key", expected: 32, got: 31)) {
            _ = try RoleKeyPair(publicKey: a.publicKey, secretKey: SecureBytes.random(count: 31))
        }
    }

    @Test func publicKeysMustBeThirtyTwoBytes() {
        #expect(throws: CryptoError.invalidKeyLength(what: "role public key", expected: 32, got: 33)) {
            _ = try RolePublicKey(bytes: [UInt8](repeating: 9, count: 33))
        }
    }

    @Test func keyIDIsSixteenLowercaseHexCharactersAndStable() throws {
        let pair = try RoleKeyPair.generate()
        let id = pair.publicKey.keyID
        #expect(id.count == 16 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(try RolePublicKey(bytes: pair.publicKey.bytes).keyID == id)
        #expect(try RoleKeyPair.generate().publicKey.keyID != id)
    }

    @Test func publicKeyCodesAsABase64String() throws {
        let key = try RolePublicKey(bytes: Hex.decode(KnownAnswerVectorTests.rolePublicKey)!)
        let json = try JSONDecoding.encode([key])
        #expect(json == #"["Z13VdO13iTELPS52gfN5C0ZsdzsVIf7PNld5WDcepS8="]"#)
        #expect(try JSONDecoding.decode([RolePublicKey].self, from: json) == [key])
        #expect { _ = try JSONDecoding.decode([RolePublicKey].self, from: #"["AAAA"]"#) } throws: { if case .dataCorrupted? = $0 as? DecodingError { true } else { false } }
    }
}
