public import Foundation
public import SessionVault

/// Sign-in through the organisation's OpenID Provider, as the service runs it: the `[oidc]`
/// settings, the client secret read at start, and the clock that ID-token and session times are
/// checked against (injected by tests).
public struct SignInConfiguration: Sendable {
    public var settings: SignInSettings
    public var clientSecret: String
    public var now: @Sendable () -> Date
    /// The least time between two fetches of the provider's key set caused by an unknown key id.
    public var minimumKeyRefetch: TimeInterval

    public init(settings: SignInSettings, clientSecret: String, now: @escaping @Sendable () -> Date = { Date() },
                minimumKeyRefetch: TimeInterval = 10) {
        self.settings = settings
        self.clientSecret = clientSecret
        self.now = now
        self.minimumKeyRefetch = minimumKeyRefetch
    }

    /// The configuration with its client secret read from `client_secret_file` (relative paths
    /// are inside the vault directory) or the environment variable `client_secret_env`.
    public static func load(_ settings: SignInSettings, vaultDirectory: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(ServerError) -> SignInConfiguration {
        var secret: String?
        if let file = settings.clientSecretFile {
            let path = file.hasPrefix("/") ? file : vaultDirectory + "/" + file
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .signInSecret("cannot read [oidc] client_secret_file '\(path)'") }
            secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else if let name = settings.clientSecretEnvironment {
            secret = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines)
            if secret == nil { throw .signInSecret("[oidc] client_secret_env names '\(name)', which is not set") }
        }
        guard let secret, !secret.isEmpty else { throw .signInSecret("the [oidc] client secret is empty") }
        return SignInConfiguration(settings: settings, clientSecret: secret)
    }
}
