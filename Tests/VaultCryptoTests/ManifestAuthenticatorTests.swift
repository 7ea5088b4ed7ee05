import Testing

@testable import VaultCrypto

@Suite struct ManifestAuthenticatorTests {
    static let manifest = Array(#"{"recording":"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf","chunks":2}"#.utf8)

    @Test func ownTagVerifies() throws {
        let authenticator = try ManifestAuthenticator(key: Fixture.dataKey())
        let tag = authenticator.tag(Self.manifest)
        #expect(tag.count == 32)
        #expect(authenticator.verify(Self.manifest, tag: tag))
    }

    @Test func alteredManifestOrTagIsRejected() throws {
        let authenticator = try ManifestAuthenticator(key: Fixture.dataKey())
        let tag = authenticator.tag(Self.manifest)
        var altered = Self.manifest
        altered[altered.count - 2] = UInt8(ascii: "3")
        #expect(!authenticator.verify(altered, tag: tag))
        var badTag = tag
        badTag[31] ^= 1
        #expect(!authenticator.verify(Self.manifest, tag: badTag))
        #expect(!authenticator.verify(Self.manifest, tag: Array(tag.prefix(16))))
        #expect(!authenticator.verify(Self.manifest, tag: []))
    }

    @Test func anotherDataKeyGivesAnotherTag() throws {
        let mine = try ManifestAuthenticator(key: Fixture.dataKey())
        let theirs = try ManifestAuthenticator(key: DataKey.generate())
        #expect(!theirs.verify(Self.manifest, tag: mine.tag(Self.manifest)))
    }

    @Test func macKeyIsDerivedNotTheDataKeyItself() throws {
        let direct = Fixture.dataKeyBytes.withUnsafeBytes { GenericHash.blake2b256(Self.manifest, key: $0) }
        #expect(try ManifestAuthenticator(key: Fixture.dataKey()).tag(Self.manifest) != direct)
    }
}
