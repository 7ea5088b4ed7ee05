public import Foundation
import TOMLKit
import VaultModel

/// How staff sign in through the organisation's OpenID Provider (`[oidc]` in config.toml): which
/// provider, this service's client registration, how the provider's claims name a SessionVault
/// user and grant roles, and how long a signed-in session lasts. Absent: the service takes
/// bearer tokens only, as before.
public struct SignInSettings: Sendable, Equatable {
    /// The provider's issuer URL, exactly as its discovery document and ID tokens state it.
    public var issuer: String
    /// This service's client id at the provider; ID tokens must name it as their audience.
    public var clientID: String
    /// A file holding the client secret (read at start), or ...
    public var clientSecretFile: String?
    /// ... the environment variable holding it. Exactly one of the two.
    public var clientSecretEnvironment: String?
    /// The service's public base URL (`https://vault.example.nhs.uk`): the provider sends the
    /// browser back to `<public_url>/auth/callback`, and after logout to `<public_url>/`.
    public var publicURL: String
    /// The ID-token claim whose value is the SessionVault user name (`preferred_username`, `email`, `upn`).
    public var userClaim: String
    /// The claim holding the user's groups or roles at the provider (`groups`, `roles`).
    public var roleClaim: String
    /// Group or role value at the provider → the SessionVault role it grants.
    public var roleMapping: [String: String]
    /// The scopes asked for (`openid` is always included).
    public var scopes: [String]
    /// A session unused for this long ends.
    public var idleTimeoutSeconds: Int
    /// A session ends this long after sign-in, however busy.
    public var absoluteTimeoutSeconds: Int
    /// How far the provider's clock may be from ours when checking `exp` and `iat`.
    public var clockSkewSeconds: Int
    /// Whether people (users whose role is not in ``machineRoles``) may still use bearer tokens.
    public var peopleBearerTokens: Bool
    /// Roles of machines (the sweeper's host, integrations) that keep bearer tokens whatever ``peopleBearerTokens`` says.
    public var machineRoles: [String]

    public static let defaultIdleTimeoutSeconds = 30 * 60
    public static let defaultAbsoluteTimeoutSeconds = 10 * 60 * 60
    public static let defaultClockSkewSeconds = 60
    /// The most clock skew accepted: more would keep an expired token alive for too long.
    public static let maxClockSkewSeconds = 300

    public init(issuer: String, clientID: String, clientSecretFile: String? = nil, clientSecretEnvironment: String? = nil, publicURL: String,
                userClaim: String = "preferred_username", roleClaim: String = "groups", roleMapping: [String: String],
                scopes: [String] = ["openid", "profile"], idleTimeoutSeconds: Int = defaultIdleTimeoutSeconds,
                absoluteTimeoutSeconds: Int = defaultAbsoluteTimeoutSeconds, clockSkewSeconds: Int = defaultClockSkewSeconds,
                peopleBearerTokens: Bool = true, machineRoles: [String] = []) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecretFile = clientSecretFile
        self.clientSecretEnvironment = clientSecretEnvironment
        self.publicURL = publicURL
        self.userClaim = userClaim
        self.roleClaim = roleClaim
        self.roleMapping = roleMapping
        self.scopes = scopes
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.absoluteTimeoutSeconds = absoluteTimeoutSeconds
        self.clockSkewSeconds = clockSkewSeconds
        self.peopleBearerTokens = peopleBearerTokens
        self.machineRoles = machineRoles
    }

    /// The SessionVault roles that the provider's group or role values grant, sorted.
    public func grantedRoles(_ values: [String]) -> [String] {
        Array(Set(values.compactMap { roleMapping[$0] })).sorted()
    }

    static let keys = ["issuer", "client_id", "client_secret_file", "client_secret_env", "public_url", "user_claim", "role_claim", "roles",
                       "scopes", "idle_timeout_minutes", "absolute_timeout_minutes", "clock_skew_seconds", "people_bearer_tokens", "machine_roles"]

    /// Parses the `[oidc]` table; `fail` makes the error for a key.
    static func parse(_ table: TOMLTable, fail: (String, String) -> VaultError) throws(VaultError) -> SignInSettings {
        for key in table.keys where !keys.contains(key) {
            throw fail(key, "unknown key '\(key)' in [oidc] (known: \(keys.joined(separator: ", ")))")
        }
        func string(_ key: String) throws(VaultError) -> String? {
            guard let value = table[key] else { return nil }
            guard let text = value.string, !text.isEmpty else { throw fail(key, "[oidc] \(key) must be a non-empty string") }
            return text
        }
        func strings(_ key: String) throws(VaultError) -> [String]? {
            guard let value = table[key] else { return nil }
            guard let array = value.array else { throw fail(key, "[oidc] \(key) must be a list of strings") }
            var result: [String] = []
            for element in array {
                guard let text = element.string, !text.isEmpty else { throw fail(key, "[oidc] \(key) must be a list of strings") }
                result.append(text)
            }
            return result
        }
        func number(_ key: String, _ range: ClosedRange<Int>) throws(VaultError) -> Int? {
            guard let value = table[key] else { return nil }
            guard let n = value.int, range.contains(n) else {
                throw fail(key, "[oidc] \(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return n
        }
        guard let issuer = try string("issuer") else { throw fail("oidc", "[oidc] needs issuer") }
        guard let clientID = try string("client_id") else { throw fail("oidc", "[oidc] needs client_id") }
        guard let publicURL = try string("public_url") else { throw fail("oidc", "[oidc] needs public_url (the service's address as browsers see it)") }
        for (key, url) in [("issuer", issuer), ("public_url", publicURL)] {
            if let problem = urlProblem(url) { throw fail(key, "[oidc] \(key): \(problem)") }
        }
        let secretFile = try string("client_secret_file")
        let secretEnvironment = try string("client_secret_env")
        guard (secretFile == nil) != (secretEnvironment == nil) else {
            throw fail("oidc", "[oidc] needs exactly one of client_secret_file and client_secret_env")
        }
        var mapping: [String: String] = [:]
        guard let rolesValue = table["roles"], let rolesTable = rolesValue.table else {
            throw fail("roles", "[oidc.roles] must map the provider's group or role values to SessionVault roles")
        }
        for (value, role) in rolesTable {
            guard let role = role.string, !role.isEmpty else { throw fail(value, "[oidc.roles] \(value) must name a SessionVault role") }
            mapping[value] = role
        }
        var settings = SignInSettings(issuer: issuer, clientID: clientID, clientSecretFile: secretFile, clientSecretEnvironment: secretEnvironment,
                                      publicURL: publicURL, roleMapping: mapping)
        if let claim = try string("user_claim") { settings.userClaim = claim }
        if let claim = try string("role_claim") { settings.roleClaim = claim }
        if let scopes = try strings("scopes") { settings.scopes = scopes.contains("openid") ? scopes : ["openid"] + scopes }
        if let minutes = try number("idle_timeout_minutes", 1...24 * 60) { settings.idleTimeoutSeconds = minutes * 60 }
        if let minutes = try number("absolute_timeout_minutes", 1...7 * 24 * 60) { settings.absoluteTimeoutSeconds = minutes * 60 }
        if let seconds = try number("clock_skew_seconds", 0...maxClockSkewSeconds) { settings.clockSkewSeconds = seconds }
        if let value = table["people_bearer_tokens"] {
            guard let flag = value.bool else { throw fail("people_bearer_tokens", "[oidc] people_bearer_tokens must be true or false") }
            settings.peopleBearerTokens = flag
        }
        if let roles = try strings("machine_roles") { settings.machineRoles = roles }
        return settings
    }

    /// Why `text` is not an acceptable provider or service URL, or nil: HTTPS, or plain HTTP on a
    /// loopback address (a provider started beside the service, as in the tests).
    public static func urlProblem(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            return "'\(text)' is not an absolute URL"
        }
        if scheme == "https" { return nil }
        if scheme == "http", LoopbackHost.contains(host) { return nil }
        return "'\(text)' must use https (plain http only on a loopback address)"
    }

    /// The `[oidc]` table as `tomlText` writes it.
    func tomlLines(quoted: (String) -> String, list: ([String]) -> String) -> [String] {
        var lines = ["", "# Staff sign-in through the organisation's OpenID Provider (docs/DEPLOYMENT.md).", "[oidc]",
                     "issuer = \(quoted(issuer))", "client_id = \(quoted(clientID))"]
        if let clientSecretFile { lines.append("client_secret_file = \(quoted(clientSecretFile))") }
        if let clientSecretEnvironment { lines.append("client_secret_env = \(quoted(clientSecretEnvironment))") }
        lines += ["public_url = \(quoted(publicURL))", "user_claim = \(quoted(userClaim))", "role_claim = \(quoted(roleClaim))",
                  "scopes = \(list(scopes))", "idle_timeout_minutes = \(idleTimeoutSeconds / 60)",
                  "absolute_timeout_minutes = \(absoluteTimeoutSeconds / 60)", "clock_skew_seconds = \(clockSkewSeconds)",
                  "people_bearer_tokens = \(peopleBearerTokens)", "machine_roles = \(list(machineRoles))", "", "[oidc.roles]"]
        for value in roleMapping.keys.sorted() { lines.append("\(quoted(value)) = \(quoted(roleMapping[value]!))") }
        return lines
    }
}
