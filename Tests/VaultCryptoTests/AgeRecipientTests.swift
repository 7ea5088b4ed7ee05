import Testing

@testable import VaultCrypto

/// Parsing and checking `age1…` recipients and scrypt parameters, before any file is written.
@Suite struct AgeRecipientTests {
    /// The X25519 example from the age spec: identity 0x42 × 32 and its recipient.
    static let specIdentity = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
    static let specRecipient = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"

    @Test func specExampleRecipientIsThePublicKeyOfTheSpecExampleIdentity() throws {
        let identity = try Bech32.decode(Self.specIdentity)
        #expect(identity.hrp == "age-secret-key-")
        #expect(identity.data == [UInt8](repeating: 0x42, count: 32))
        let publicKey = AgeStanza.publicShare(of: try SecureBytes(copying: identity.data))
        #expect(try X25519Recipient(parsing: Self.specRecipient).publicKey == publicKey)
        #expect(X25519Recipient(publicKey: publicKey).encoded == Self.specRecipient)
    }

    @Test func recipientWithABadChecksumIsRefused() {
        var characters = Array(Self.specRecipient)
        characters[characters.count - 1] = characters.last == "q" ? "p" : "q"
        #expect(throws: AgeError.invalidRecipient(reason: "checksum does not verify")) {
            try X25519Recipient(parsing: String(characters))
        }
        // A change in the key part, not only in the checksum, is caught too.
        characters = Array(Self.specRecipient)
        characters[10] = characters[10] == "q" ? "p" : "q"
        #expect(throws: AgeError.invalidRecipient(reason: "checksum does not verify")) {
            try AgeRecipient.x25519(String(characters)).validate()
        }
    }

    @Test func recipientWithAnotherPrefixIsRefused() {
        let other = Bech32.encode(hrp: "agf", data: [UInt8](repeating: 7, count: 32))
        #expect(throws: AgeError.wrongRecipientType(hrp: "agf")) { try X25519Recipient(parsing: other) }
        let postQuantum = Bech32.encode(hrp: "age1pq", data: [UInt8](repeating: 7, count: 32))
        #expect(throws: AgeError.wrongRecipientType(hrp: "age1pq")) { try X25519Recipient(parsing: postQuantum) }
    }

    @Test func identityPassedAsRecipientIsRefusedWithAHint() {
        #expect(throws: AgeError.wrongRecipientType(hrp: "age-secret-key-")) {
            try X25519Recipient(parsing: Self.specIdentity)
        }
        let message = AgeError.wrongRecipientType(hrp: "age-secret-key-").description
        #expect(message.contains("identity"))
        #expect(!message.contains("GFPYYSJZ"))
    }

    @Test func mixedCaseAndUppercaseRecipientsAreRefused() {
        let mixed = "Age1" + Self.specRecipient.dropFirst(4)
        #expect(throws: AgeError.invalidRecipient(reason: "mixes upper and lower case")) {
            try X25519Recipient(parsing: mixed)
        }
        #expect(throws: AgeError.invalidRecipient(reason: "age recipients are written in lowercase")) {
            try X25519Recipient(parsing: Self.specRecipient.uppercased())
        }
    }

    @Test func recipientWithTheWrongKeyLengthIsRefused() {
        let short = Bech32.encode(hrp: "age", data: [UInt8](repeating: 7, count: 31))
        #expect(throws: AgeError.invalidRecipient(reason: "holds 31 bytes, an X25519 key is 32")) {
            try X25519Recipient(parsing: short)
        }
    }

    @Test func malformedBech32IsRefused() {
        for text in ["", "age1", "age1qqqqq", "1qqqqqqqqq", "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwb!"] {
            #expect { try X25519Recipient(parsing: text) } throws: { if case .invalidRecipient? = $0 as? AgeError { true } else { false } }
        }
        // "b", "i", "o" and "1" are not in the data alphabet.
        #expect(throws: AgeError.invalidRecipient(reason: "data has a character outside the Bech32 alphabet")) {
            try X25519Recipient(parsing: "age1bbbbbbbbbbbb")
        }
    }

    @Test func lowOrderRecipientIsRefusedBeforeAnythingIsWritten() throws {
        let zero = Bech32.encode(hrp: "age", data: [UInt8](repeating: 0, count: 32))
        #expect(throws: AgeError.lowOrderRecipient) {
            _ = try AgeEncryptor(recipient: .x25519(zero), output: AgeCollectingSink())
        }
    }

    @Test func scryptParametersOutsideWhatAgeDecryptsAreRefused() throws {
        let passphrase = try SecureBytes(copying: Array("correct horse".utf8))
        #expect(throws: AgeError.workFactorOutOfRange(23, allowed: 10...22)) {
            try AgeRecipient.scrypt(passphrase: passphrase, workFactor: 23).validate()
        }
        #expect(throws: AgeError.workFactorOutOfRange(9, allowed: 10...22)) {
            try AgeRecipient.scrypt(passphrase: passphrase, workFactor: 9).validate()
        }
        try AgeRecipient.scrypt(passphrase: passphrase).validate()
        try AgeRecipient.scrypt(passphrase: passphrase, workFactor: 22).validate()
    }

    @Test func passphrasesThatCannotBeTypedAtAgesPromptAreRefused() throws {
        #expect(throws: AgeError.emptyPassphrase) {
            try AgeRecipient.scrypt(passphrase: SecureBytes(copying: [])).validate()
        }
        #expect(throws: AgeError.untypablePassphrase(offset: 5)) {
            try AgeRecipient.scrypt(passphrase: SecureBytes(copying: Array("hello\nworld".utf8))).validate()
        }
        try AgeRecipient.scrypt(passphrase: SecureBytes(copying: Array("pâté à la crème".utf8))).validate()
    }

    @Test func defaultScryptWorkFactorIsAgesDefault() throws {
        guard case .scrypt(_, let workFactor) = AgeRecipient.scrypt(passphrase: try SecureBytes(copying: [0x61])) else {
            Issue.record("not scrypt")
            return
        }
        #expect(workFactor == 18)
        #expect(AgeRecipient.maximumScryptWorkFactor == 22)
    }
}
