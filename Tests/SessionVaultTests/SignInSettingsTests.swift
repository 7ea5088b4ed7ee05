import Testing
import SessionVault

/// `[oidc]` in config.toml (issue #19): parsed whole, written back as read, and refused with the
/// key named when it is incomplete or unsafe.
@Suite("Sign-in settings in config.toml")
struct SignInSettingsTests {
    static let table = """

        [oidc]
        issuer = "https://login.microsoftonline.com/tenant/v2.0"
        client_id = "abc"
        client_secret_file = "oidc-secret"
        public_url = "https://vault.example.nhs.uk"
        people_bearer_tokens = false
        machine_roles = ["sweeper-host"]
        idle_timeout_minutes = 15

        [oidc.roles]
        "group-1" = "clinician"
        "group-2" = "records-officer"
        """

    @Test func anOIDCTableIsReadAndWrittenBack() throws {
        let text = VaultConfig.makeDefault(vaultID: "v").tomlText() + Self.table
        let config = try VaultConfig.parse(text, path: "config.toml")
        let signIn = try #require(config.signIn)
        #expect(signIn.clientID == "abc")
        #expect(signIn.clientSecretFile == "oidc-secret")
        #expect(signIn.userClaim == "preferred_username")
        #expect(signIn.roleClaim == "groups")
        #expect(signIn.idleTimeoutSeconds == 15 * 60)
        #expect(signIn.absoluteTimeoutSeconds == SignInSettings.defaultAbsoluteTimeoutSeconds)
        #expect(!signIn.peopleBearerTokens)
        #expect(signIn.machineRoles == ["sweeper-host"])
        #expect(signIn.grantedRoles(["group-2", "other", "group-1"]) == ["clinician", "records-officer"])
        #expect(try VaultConfig.parse(config.tomlText(), path: "config.toml") == config)
        #expect(try VaultConfig.parse(VaultConfig.makeDefault(vaultID: "v").tomlText(), path: "config.toml").signIn == nil)
    }

    @Test(arguments: [
        ("client_secret_file = \"oidc-secret\"", ""),                                     // no secret
        ("client_secret_file = \"oidc-secret\"", "client_secret_file = \"a\"\nclient_secret_env = \"B\""),  // both
        ("https://login.microsoftonline.com/tenant/v2.0", "http://idp.example.org"),      // plain HTTP off loopback
        ("idle_timeout_minutes = 15", "idle_timeout_minutes = 0"),
        ("idle_timeout_minutes = 15", "clock_skew_seconds = 3600"),
        ("idle_timeout_minutes = 15", "client_sercet = \"typo\""),
        ("\"group-1\" = \"clinician\"", "\"group-1\" = 3"),
    ])
    func anIncompleteOrUnsafeTableIsRefused(_ change: (String, String)) async throws {
        let text = VaultConfig.makeDefault(vaultID: "v").tomlText() + Self.table.replacingOccurrences(of: change.0, with: change.1)
        await expectVaultError(.config) { _ = try VaultConfig.parse(text, path: "config.toml") }
    }
}
