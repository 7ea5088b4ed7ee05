import Foundation
import VaultModel

/// Where and how ``PostgresCatalog`` connects, parsed from a catalog URL:
///
///     postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require|verify-full&sslrootcert=PATH&pool_max=N&connect_timeout=S&idle_timeout=S&application_name=NAME]
///
/// `postgresql://` is accepted too. User, password and database are percent-decoded; an IPv6 host is
/// written in brackets (`[::1]`). The port defaults to 5432.
///
/// - The password comes from the URL or, if the URL has none, from `SESSIONVAULT_PG_PASSWORD` in the
///   environment given to ``parse(_:environment:)``. It never appears in ``description``, in
///   ``redactedURL``, in a mirror (`dump`) or in any ``CatalogError``.
/// - `sslmode`: `disable` (plain TCP), `prefer` (TLS if the server offers it, else plain), `require`
///   and `verify-full` (TLS or fail). Whenever TLS is used, the server's certificate is verified
///   against the system's trust store and its host name, so `require` is as strict as libpq's
///   `verify-full`; libpq's unverified `require` is not offered. The default depends on the host
///   (``defaultSSLMode(for:)``): `verify-full` for any host that is not loopback, so a catalog
///   across a network is never reached in clear, or through a server that cannot prove its name,
///   unless the URL says so; `prefer` on loopback (`localhost`, 127.0.0.0/8, `::1`, a Unix socket
///   path), where the traffic never leaves the host.
/// - `sslrootcert`: a PEM file of the certificate authorities to trust instead of the system's
///   (as libpq's option of that name), for a server whose certificate an organisation's own CA
///   issued. It is read when a connection is made; a file that cannot be read or holds no
///   certificate is a clear error then. Not allowed with `sslmode=disable`.
/// - `pool_max`: the most connections the catalog's pool opens (default 10), besides the one
///   connection each held ``PostgresCatalog/withExclusiveLock(_:_:)`` uses.
/// - `connect_timeout`: seconds to wait for a TCP connection (default 10).
/// - `idle_timeout`: seconds a pooled connection may stay unused before it is closed (default 10).
///   Kept short on purpose: the pool starts its timers each time a connection goes back to it, and
///   a cancelled timer holds its memory until it would have fired, so long timers grow a busy
///   service's memory. There is no keep-alive query: an idle connection is closed before one would
///   matter. A connection that died while idle fails the one call that leases it. (Measurements,
///   and a hang seen with a keep-alive: docs/RELIABILITY.md, "Scale-out soak".)
/// - `application_name`: shown in `pg_stat_activity` (default `sessionvault`).
public struct PostgresConfiguration: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    /// The environment variable that supplies the password when the URL has none.
    public static let passwordVariable = "SESSIONVAULT_PG_PASSWORD"

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// The PEM file of trusted certificate authorities (`sslrootcert`); nil: the system's trust store.
    public var sslRootCertificatePath: String?
    public var poolMaximum: Int
    public var connectTimeoutSeconds: Int
    /// Seconds an unused pooled connection stays open (`idle_timeout`); no keep-alive query runs.
    public var idleTimeoutSeconds: Int
    public var applicationName: String

    /// `sslMode` nil: ``defaultSSLMode(for:)`` of `host`.
    public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String, sslMode: SSLMode? = nil,
                poolMaximum: Int = 10, connectTimeoutSeconds: Int = 10, idleTimeoutSeconds: Int = 10, applicationName: String = "sessionvault") {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.sslMode = sslMode ?? Self.defaultSSLMode(for: host)
        self.poolMaximum = poolMaximum
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.applicationName = applicationName
    }

    /// The `sslmode` a URL that names none gets: `prefer` when `host` is loopback (`localhost`,
    /// an IPv4 address in 127.0.0.0/8, `::1`, or a Unix socket directory, written as a path),
    /// `verify-full` for every other host, a name that might resolve to loopback included.
    public static func defaultSSLMode(for host: String) -> SSLMode {
        LoopbackHost.contains(host) ? .prefer : .verifyFull
    }

    /// `host:port`, with an IPv6 address in brackets.
    public var endpoint: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

    /// The URL without the password and without options: what errors and logs show.
    public var redactedURL: String { "postgres://\(Self.percentEncode(user))@\(endpoint)/\(Self.percentEncode(database))" }

    public var description: String {
        redactedURL + "?sslmode=\(sslMode.rawValue)" + (sslRootCertificatePath.map { "&sslrootcert=\($0)" } ?? "")
    }
    public var debugDescription: String { description + (password == nil ? "" : " (password set)") }
    public var customMirror: Mirror {
        Mirror(self, children: ["host": host, "port": port, "user": user, "password": password == nil ? "(none)" : "(redacted)",
                                "database": database, "sslMode": sslMode, "sslRootCertificatePath": sslRootCertificatePath as Any,
                                "poolMaximum": poolMaximum])
    }

    /// Parses a catalog URL. Errors name the problem and the redacted URL, never the password.
    public static func parse(_ url: String, environment: [String: String] = [:]) throws(CatalogError) -> PostgresConfiguration {
        func fail(_ message: String, shown: String = "postgres://…") -> CatalogError { .open(path: shown, message: message) }
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw fail("a PostgreSQL catalog URL starts with postgres:// or postgresql://")
        }
        // Every '%' must start an escape: Foundation's parser would take a stray one literally.
        let escapes = url.split(separator: "%", omittingEmptySubsequences: false).dropFirst().map { $0.prefix(2) }
        guard escapes.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }) else {
            throw fail("bad percent-encoding (a '%' not followed by two hex digits)")
        }
        // Foundation's RFC 3986 parser; it takes a raw '@' in a password (the last '@' ends the user info).
        guard let parts = URLComponents(string: url) else {
            throw fail("not a well-formed URL (postgres://user[:password]@host[:port]/database, an IPv6 host in brackets, a numeric port)")
        }
        func decoded(_ encoded: String?, _ what: String) throws(CatalogError) -> String? {
            guard let encoded else { return nil }
            guard let text = encoded.removingPercentEncoding else { throw fail("bad percent-encoding in the \(what)") }
            return text
        }
        guard let user = try decoded(parts.percentEncodedUser, "user name"), !user.isEmpty else {
            throw fail("no user name (postgres://USER@host:port/database)")
        }
        let password = try decoded(parts.percentEncodedPassword, "password")
        var host = parts.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw fail("no host name") }
        let port = parts.port ?? 5432
        guard (1...65535).contains(port) else { throw fail("port '\(port)' is not a number from 1 to 65535") }
        guard let database = try decoded(String(parts.percentEncodedPath.dropFirst()), "database name"), !database.isEmpty,
              !database.contains("/") else {
            throw fail("no database name (postgres://user@host:port/DATABASE)")
        }
        var config = PostgresConfiguration(host: host, port: port, user: user, password: password, database: database)
        let shown = config.redactedURL
        for item in parts.percentEncodedQueryItems ?? [] where !item.name.isEmpty {
            let key = item.name
            let value = try decoded(item.value, "option \(key)") ?? ""
            func number(_ range: ClosedRange<Int>, _ what: String) throws(CatalogError) -> Int {
                guard let n = Int(value), range.contains(n) else {
                    throw fail("\(key) '\(value)' is not a number\(what) from \(range.lowerBound) to \(range.upperBound)", shown: shown)
                }
                return n
            }
            switch key {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw fail("sslmode '\(value)' is not supported (use \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")))", shown: shown)
                }
                config.sslMode = mode
            case "sslrootcert":
                guard !value.isEmpty else { throw fail("sslrootcert needs the path of a PEM file of CA certificates", shown: shown) }
                config.sslRootCertificatePath = value
            case "pool_max":
                config.poolMaximum = try number(1...1000, "")
            case "connect_timeout":
                config.connectTimeoutSeconds = try number(1...3600, " of seconds")
            case "idle_timeout":
                config.idleTimeoutSeconds = try number(2...3600, " of seconds")
            case "application_name":
                config.applicationName = value
            case "password":
                throw fail("put the password in the user info or in \(passwordVariable), not in an option", shown: shown)
            default:
                throw fail("unknown option '\(key)' (known: sslmode, sslrootcert, pool_max, connect_timeout, idle_timeout, application_name)", shown: shown)
            }
        }
        if config.sslRootCertificatePath != nil, config.sslMode == .disable {
            throw fail("sslrootcert is set but sslmode=disable turns TLS off; use sslmode=require or verify-full", shown: shown)
        }
        if config.password == nil, let fromEnvironment = environment[passwordVariable], !fromEnvironment.isEmpty {
            config.password = fromEnvironment
        }
        return config
    }

    /// `text` with every byte but RFC 3986's unreserved characters (ASCII letters, digits, `-._~`) as `%XX`.
    static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
