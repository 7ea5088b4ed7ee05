import Testing

@testable import VaultCrypto

@Suite struct PassphraseSealedSecretTests {
    static let passphrase = "correct horse battery staple"
    static let context = "role:clinician"

    private static func bytes(_ text: String) throws -> SecureBytes { try SecureBytes(copying: Array(text.utf8)) }

    private static func sealed() throws -> (secret: SecureBytes, sealed: PassphraseSealedSecret) {
        let secret = try SecureBytes.random(count: 32)
        let sealed = try PassphraseSealedSecret.seal(
            secret,
            passphrase: bytes(passphrase),
            strength: .interactive,
            context: context
        )
        return (secret, sealed)
    }

    /// A copy of `sealed` with some fields replaced.
    private static func altered(
        _ s: PassphraseSealedSecret,
        version: Int? = nil,
        kdf: String? = nil,
        opsLimit: UInt64? = nil,
        memLimit: UInt64? = nil,
        salt: String? = nil,
        nonce: String? = nil,
        ciphertext: String? = nil
    ) -> PassphraseSealedSecret {
        PassphraseSealedSecret(
            version: version ?? s.version,
            kdf: kdf ?? s.kdf,
            opsLimit: opsLimit ?? s.opsLimit,
            memLimit: memLimit ?? s.memLimit,
            salt: salt ?? s.salt,
            nonce: nonce ?? s.nonce,
            ciphertext: ciphertext ?? s.ciphertext
        )
    }

    private static func openError(
        _ s: PassphraseSealedSecret,
        passphrase: String = passphrase,
        context: String = context
    ) throws -> CryptoError? {
        let passphrase = try bytes(passphrase)
        return cryptoError { () throws(CryptoError) in try s.open(passphrase: passphrase, context: context) }
    }

    @Test func sealedSecretOpensWithTheRightPassphraseAndContext() throws {
        let (secret, sealed) = try Self.sealed()
        #expect(sealed.version == 1 && sealed.kdf == "argon2id13")
        #expect(
            sealed.opsLimit == KDFStrength.interactive.opsLimit && sealed.memLimit == KDFStrength.interactive.memLimit
        )
        let opened = try sealed.open(passphrase: Self.bytes(Self.passphrase), context: Self.context)
        #expect(opened.constantTimeEquals(secret))
    }

    @Test func wrongPassphraseOrContextIsWrongPassphrase() throws {
        let (_, sealed) = try Self.sealed()
        #expect(try Self.openError(sealed, passphrase: "correct horse battery stapler") == .wrongPassphrase)
        #expect(try Self.openError(sealed, context: "role:trainer") == .wrongPassphrase)
    }

    @Test func jsonRoundTripKeepsEveryField() throws {
        let (_, sealed) = try Self.sealed()
        let json = try JSONDecoding.encode(sealed)
        for key in ["version", "kdf", "opsLimit", "memLimit", "salt", "nonce", "ciphertext"] {
            #expect(json.contains("\"\(key)\""))
        }
        #expect(try JSONDecoding.decode(PassphraseSealedSecret.self, from: json) == sealed)
    }

    @Test func alteredSaltParametersOrCiphertextDoNotOpen() throws {
        let (_, s) = try Self.sealed()
        var salt = Array(s.salt)
        salt[0] = salt[0] == "A" ? "B" : "A"
        var ciphertext = Array(s.ciphertext)
        ciphertext[5] = ciphertext[5] == "A" ? "B" : "A"
        #expect(try Self.openError(Self.altered(s, salt: String(salt))) == .wrongPassphrase)
        #expect(try Self.openError(Self.altered(s, ciphertext: String(ciphertext))) == .wrongPassphrase)
        #expect(try Self.openError(Self.altered(s, opsLimit: s.opsLimit + 1)) == .wrongPassphrase)
    }

    @Test func malformedFieldsAreReportedAsMalformed() throws {
        let (_, s) = try Self.sealed()
        let cases: [PassphraseSealedSecret] = [
            Self.altered(s, version: 2),
            Self.altered(s, kdf: "scrypt"),
            Self.altered(s, opsLimit: 0),
            Self.altered(s, memLimit: 1024),
            Self.altered(s, salt: "AAAA"),
            Self.altered(s, salt: "not base64!"),
            Self.altered(s, nonce: String(s.nonce.dropLast(4))),
            Self.altered(s, ciphertext: "AAAA"),
            Self.altered(s, ciphertext: String(repeating: "A", count: 8000)),
        ]
        for sealed in cases {
            let error = try Self.openError(sealed)
            guard case .malformedSealedSecret? = error else {
                Issue.record("expected malformedSealedSecret, got \(String(describing: error)) for \(sealed)")
                continue
            }
        }
    }

    @Test func hostileCostParametersAreRefusedBeforeAnyWork() throws {
        let (_, s) = try Self.sealed()
        let hundredGiB: UInt64 = 100 << 30
        #expect(
            try Self.openError(Self.altered(s, memLimit: hundredGiB))
                == .malformedSealedSecret("memLimit \(hundredGiB) outside 8192...1073741824")
        )
        #expect(try Self.openError(Self.altered(s, memLimit: .max)) != nil)
        #expect(
            try Self.openError(Self.altered(s, opsLimit: 1_000_000))
                == .malformedSealedSecret("opsLimit 1000000 outside 1...4")
        )
    }

    @Test func malformedDescriptionsNeverContainTheSecretFields() throws {
        let (_, s) = try Self.sealed()
        let error = try Self.openError(Self.altered(s, salt: "AAAA"))
        #expect(error?.description.contains(s.ciphertext) == false)
        #expect(error?.description.contains("salt") == true)
    }

    @Test func strengthsFollowLibsodiumPresets() {
        #expect(KDFStrength.interactive.opsLimit == 2 && KDFStrength.interactive.memLimit == 64 << 20)
        #expect(KDFStrength.moderate.opsLimit == 3 && KDFStrength.moderate.memLimit == 256 << 20)
        #expect(KDFStrength.sensitive.opsLimit == 4 && KDFStrength.sensitive.memLimit == 1 << 30)
    }
}
