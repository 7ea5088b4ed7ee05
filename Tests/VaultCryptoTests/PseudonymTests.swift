import Testing

@testable import VaultCrypto

@Suite struct PseudonymTests {
    static let key: PseudonymKey = try! PseudonymKey(bytes: SecureBytes(copying: (0x20..<0x40).map { UInt8($0) }))

    @Test(arguments: [
        ("943 476 5919", "9434765919"),
        ("  943-476-5919\t", "9434765919"),
        ("943\u{00A0}476\u{2013}5919", "9434765919"),
        ("ab-12 cd", "AB12CD"),
        ("straße", "STRASSE"),
        ("e\u{0301}", "\u{00C9}"),
    ])
    func normalizationRemovesSpacingDashesAndCase(input: String, expected: String) {
        #expect(PseudonymKey.normalize(input) == expected)
        #expect(Array(PseudonymKey.normalize(input).unicodeScalars) == Array(expected.unicodeScalars))
    }

    @Test func formattingVariantsShareOnePseudonym() {
        let variants = ["943 476 5919", "943-476-5919", " 9434765919 ", "943 476-5919\n"]
        #expect(Set(variants.map(Self.key.pseudonym(of:))).count == 1)
    }

    @Test func differentIdentifiersOrKeysGiveDifferentPseudonyms() throws {
        #expect(Self.key.pseudonym(of: "9434765919") != Self.key.pseudonym(of: "9434765918"))
        let other = try PseudonymKey.generate()
        #expect(other.pseudonym(of: "9434765919") != Self.key.pseudonym(of: "9434765919"))
    }

    @Test func pseudonymIsSixtyFourLowercaseHexCharacters() {
        let pseudonym = Self.key.pseudonym(of: "9434765919")
        #expect(pseudonym.count == 64)
        #expect(pseudonym.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }

    @Test func pseudonymKeysMustBeThirtyTwoBytes() {
        #expect(throws: CryptoError.invalidKeyLength(what: "pseudonym key", expected: 32, got: 16)) {
            _ = try PseudonymKey(bytes: SecureBytes.random(count: 16))
        }
    }
}
