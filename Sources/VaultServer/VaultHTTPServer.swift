import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import NIOSSL
public import SessionVault

/// The SessionVault HTTP service: the JSON API, the streaming routes and the web page, on
/// Hummingbird 2, over one vault and the role keys unlocked at start.
///
/// ```
/// let keys = try await RoleKeychain.unlock(vault: vault, single: .environment)
/// let server = VaultHTTPServer(vault: vault, keychain: keys, configuration: .init(port: 8080))
/// try await server.makeApplication().runService()
/// ```
public struct VaultHTTPServer: Sendable {
    public let vault: Vault
    public let keychain: RoleKeychain
    public let configuration: ServerConfiguration
    public let logger: Logger
    let metrics = ServerMetrics()
    let limiter: StreamLimiter
    let plaintextPool: PlaintextBufferPool
    let reviewCopies: ReviewCopyMaker
    let signIn: SignInService?

    public init(vault: Vault, keychain: RoleKeychain, configuration: ServerConfiguration, logger: Logger = Logger(label: "sessionvault.server")) {
        self.vault = vault
        self.keychain = keychain
        self.configuration = configuration
        self.logger = logger
        limiter = StreamLimiter(limit: configuration.maxConcurrentStreams, metrics: metrics)
        plaintextPool = PlaintextBufferPool(budget: max(1, configuration.plaintextBufferBudget), metrics: metrics)
        reviewCopies = ReviewCopyMaker(vault: vault)
        signIn = configuration.signIn.map { SignInService(vault: vault, configuration: $0, servedOverTLS: configuration.usesTLS) }
    }

    /// Streams in progress (content, review, upload).
    public var activeStreams: Int { limiter.current }

    /// Bytes of decryption buffers leased now, and streams waiting for them (tests, diagnostics).
    public var plaintextBuffersLeased: Int { plaintextPool.leased }
    public var streamsWaitingForPlaintextBuffers: Int { plaintextPool.waiting }

    /// The router with every route and middleware.
    func makeRouter() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        if configuration.usesTLS { router.add(middleware: StrictTransportSecurityMiddleware()) }
        router.add(middleware: ErrorMappingMiddleware())
        SystemRoutes(vault: vault, metrics: metrics).register(on: router)
        SignInRoutes(service: signIn).register(on: router)
        let access = RecordingAccess(vault: vault, keychain: keychain, policy: configuration.carePolicy, logger: logger)
        let api = router.group("api").add(middleware: TokenAuthMiddleware(vault: vault, signIn: signIn))
        api.get("whoami") { _, context -> Response in
            let user = try context.requireUser()
            return try JSONResponse.make(WhoAmIJSON(name: user.name, role: user.role, officer: OfficerRoutes.mayUseOfficerView(user),
                                                    csrfToken: context.csrfToken))
        }
        RecordingRoutes(access: access).register(on: api)
        ContentRoutes(access: access, limiter: limiter, pool: plaintextPool, metrics: metrics, reviewCopies: reviewCopies).register(on: api)
        OfficerRoutes(vault: vault).register(on: api)
        UploadRoutes(access: access, maxUploadBytes: configuration.maxUploadBytes, limiter: limiter, metrics: metrics).register(on: api)
        return router
    }

    /// The application, ready to run as a `Service`. `onServerRunning` receives the bound port
    /// (useful with port 0).
    /// Plain HTTP on an address that is not loopback is refused (``ServerError/insecureListen(host:)``)
    /// unless the configuration allows it.
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        try configuration.checkTransport()
        let idle = TimeAmount.seconds(configuration.idleTimeoutSeconds)
        // The idle timeout covers a client that stops sending; the stalled-reader handler one that stops reading.
        let http = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [ExpectContinueHandler()]
                                                                    + StalledReaderHandler.handlers(stallTimeout: idle),
                                                                idleTimeout: idle))
        let server: HTTPServerBuilder
        if let cert = configuration.tlsCertificatePath, let key = configuration.tlsKeyPath {
            server = try .tls(http, tlsConfiguration: try Self.tlsConfiguration(certificate: cert, key: key))
        } else {
            server = http
        }
        return Application(
            router: makeRouter(), server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    static func tlsConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw ServerError.tls(path: certificate, reason: "not a PEM certificate chain")
        }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw ServerError.tls(path: key, reason: "not a PEM private key")
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        tls.minimumTLSVersion = .tlsv12
        tls.cipherSuites = forwardSecretCipherSuites
        return tls
    }

    /// The TLS 1.2 suites offered: ECDHE key exchange only (forward secrecy: a stolen server key
    /// does not decrypt recorded sessions) with AEAD ciphers. TLS 1.3's suites are all forward
    /// secret and AEAD, and BoringSSL does not let them be narrowed further.
    static let forwardSecretCipherSuites = [
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    ].joined(separator: ":")
}
