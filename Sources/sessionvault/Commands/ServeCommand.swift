import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SessionVault
import VaultServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the vault over HTTP(S): the JSON API, streaming with Range, uploads and the web page.",
        discussion: """
            Role keys are unlocked at start: one passphrase file per role under [passphrase_files] in config.toml, and for the
            roles of other users --passphrase-file FILE or $SESSIONVAULT_PASSPHRASE. If any cannot be unlocked, the service does
            not start. Every request needs a user's bearer token (`sessionvault user add`), or, with [oidc] in config.toml, a session
            opened by signing in through the organisation's OpenID Provider (/auth/login); see docs/API.md and docs/DEPLOYMENT.md.
            HTTPS (--tls-cert, --tls-key) speaks TLS 1.2 or 1.3 with forward-secret suites only and sends Strict-Transport-Security.
            Plain HTTP is served on a loopback address only (127.0.0.1, ::1, localhost: behind a TLS proxy on the same host);
            on any other address it needs --insecure-http.
            SIGTERM or SIGINT stops it gracefully.
            """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var passphrase: PassphraseOptions
    @Option(help: ArgumentHelp("Address to listen on.", valueName: "HOST:PORT")) var listen: String = "127.0.0.1:8080"
    @Option(help: ArgumentHelp("PEM certificate chain for HTTPS (with --tls-key).", valueName: "FILE")) var tlsCert: String?
    @Option(help: ArgumentHelp("PEM private key for HTTPS (with --tls-cert).", valueName: "FILE")) var tlsKey: String?
    @Flag(help: "Serve plain HTTP on an address that is not loopback (only behind a TLS-terminating proxy on a network you trust): tokens, cookies and recordings cross it in clear.")
    var insecureHTTP = false
    @Option(help: ArgumentHelp("Largest upload accepted, e.g. 8GiB.", valueName: "SIZE")) var maxUpload = ByteSize(16 << 30, written: "16GiB")
    @Option(help: "Content, review and upload streams served at once; more get 503.") var maxStreams: Int = 128
    @Option(help: "Seconds before an idle or stalled connection is closed.") var idleTimeout: Int64 = 30
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"
    @OptionGroup var checkpoints: CheckpointOptions

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        if let parsed = try? ServerConfiguration.parseListen(listen) {
            let configuration = ServerConfiguration(host: parsed.host, tlsCertificatePath: tlsCert, tlsKeyPath: tlsKey, allowInsecureHTTP: insecureHTTP)
            do {
                try configuration.checkTransport()
            } catch {
                throw ValidationError("\(error.description); give --tls-cert and --tls-key, or --insecure-http")
            }
        }
        guard maxStreams >= 1 else { throw ValidationError("--max-streams must be at least 1") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout must be at least 1 second") }
    }

    func run() async throws {
        try await reportingServerErrors {
            guard let level = Logger.Level(rawValue: logLevel) else { throw VaultError.invalidArgument("invalid --log-level '\(logLevel)'") }
            var logger = Logger(label: "sessionvault.server") { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = level
            let (host, port) = try ServerConfiguration.parseListen(listen)
            try await vault.withVault { opened in
                let single: PassphraseSource? = passphrase.passphraseFile.map { .file($0) }
                    ?? (ProcessInfo.processInfo.environment["SESSIONVAULT_PASSPHRASE"].map { _ in .environment })
                let keychain = try await RoleKeychain.unlock(vault: opened, single: single)
                let configuration = ServerConfiguration(host: host, port: port, tlsCertificatePath: tlsCert, tlsKeyPath: tlsKey,
                                                        maxUploadBytes: Int64(maxUpload.bytes), maxConcurrentStreams: maxStreams,
                                                        idleTimeoutSeconds: idleTimeout, allowInsecureHTTP: insecureHTTP,
                                                        signIn: try opened.config.signIn.map { (settings) throws(ServerError) in
                                                            try SignInConfiguration.load(settings, vaultDirectory: vault.layout.root.path)
                                                        },
                                                        plaintextBufferBudget: opened.config.plaintextBuffers)
                let server = VaultHTTPServer(vault: opened, keychain: keychain, configuration: configuration, logger: logger)
                let scheme = tlsCert == nil ? "http" : "https"
                let roles = keychain.roles.keys.sorted().joined(separator: ", ")
                let app = try server.makeApplication { bound in
                    note("sessionvault: serving \(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(bound) (roles unlocked: \(roles.isEmpty ? "none" : roles))")
                }
                let checkpointer = try await checkpoints.makeCheckpointer(vault: opened, layout: vault.layout, logger: logger, process: "the service")
                // Everything secret has been read: keep it out of /proc/PID/environ and children.
                SecretEnvironment.scrub(also: opened.config.signIn?.clientSecretEnvironment.map { [$0] } ?? [])
                if let checkpointer {
                    let group = ServiceGroup(configuration: .init(services: [.init(service: app), .init(service: checkpointer)],
                                                                  gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                    try await group.run()
                } else {
                    try await app.runService()
                }
            }
        }
    }
}

extension AsyncParsableCommand {
    /// ``reportingErrors(_:)`` plus the service's own errors (exit 3 when a key cannot be unlocked).
    func reportingServerErrors(_ body: () async throws -> Void) async throws {
        do {
            try await reportingErrors(body)
        } catch let error as ServerError {
            note("sessionvault: error: \(error.description)")
            switch error {
            case .roleUnlock, .noPassphrase: throw ExitCode(ExitStatus.refused)
            case .invalidListenAddress, .insecureListen: throw ExitCode.validationFailure
            default: throw ExitCode(ExitStatus.failure)
            }
        }
    }
}
