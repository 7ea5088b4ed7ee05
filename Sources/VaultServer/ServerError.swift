/// Why the service could not start or be configured. Descriptions name files and roles, never
/// passphrases or tokens.
public enum ServerError: Error, Equatable, CustomStringConvertible {
    /// `--listen` is not `HOST:PORT`.
    case invalidListenAddress(String)
    /// A role key the service needs could not be unlocked.
    case roleUnlock(role: String, reason: String)
    /// No passphrase source was given for roles that need one.
    case noPassphrase(roles: [String])
    /// The TLS certificate or key could not be loaded.
    case tls(path: String, reason: String)
    /// A user name, role or care-list entry is not acceptable.
    case invalidUser(String)
    /// Plain HTTP on an address other than loopback, without the explicit opt-in.
    case insecureListen(host: String)
    /// The `[oidc]` client secret could not be read.
    case signInSecret(String)

    public var description: String {
        switch self {
        case .invalidListenAddress(let text): return "invalid listen address '\(text)': expected HOST:PORT, e.g. 127.0.0.1:8080"
        case .roleUnlock(let role, let reason): return "cannot unlock role '\(role)': \(reason); refusing to start"
        case .noPassphrase(let roles):
            return "no passphrase for role(s) \(roles.joined(separator: ", ")): name a file per role under [passphrase_files] in config.toml, "
                + "or give --passphrase-file FILE or $SESSIONVAULT_PASSPHRASE; refusing to start"
        case .tls(let path, let reason): return "cannot load TLS file '\(path)': \(reason)"
        case .invalidUser(let message): return message
        case .signInSecret(let message): return message + "; refusing to start"
        case .insecureListen(let host):
            return "refusing to serve plain HTTP on '\(host)', which is not a loopback address: tokens, cookies and recordings would cross "
                + "the network in clear. Give a TLS certificate and key, listen on 127.0.0.1 behind a TLS proxy, or accept the risk explicitly "
                + "(a TLS-terminating proxy on another host)"
        }
    }
}
