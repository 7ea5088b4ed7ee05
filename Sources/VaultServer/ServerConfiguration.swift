public import SessionVault

/// How the HTTP service runs: where it listens and the limits that protect it.
public struct ServerConfiguration: Sendable {
    /// The address to bind; port 0 lets the OS choose (tests).
    public var host: String
    public var port: Int
    /// PEM certificate chain and private key; plain HTTP when nil.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// Plain HTTP is served on a loopback address only (``LoopbackHost``), unless this is set:
    /// for a TLS-terminating proxy on another host, whose network the operator vouches for.
    public var allowInsecureHTTP: Bool
    /// The largest upload accepted, in bytes (checked against Content-Length and while streaming).
    public var maxUploadBytes: Int64
    /// Content and review streams served at once; more get 503 with Retry-After.
    public var maxConcurrentStreams: Int
    /// Bytes of buffers that content and review responses are decrypted into, at most
    /// (``PlaintextBufferPool``): at the budget, further streams wait for memory.
    public var plaintextBufferBudget: Int
    /// A connection that sends nothing for this long (between requests, or while a request's head
    /// or body is arriving) is closed, and so is one whose client reads nothing of a response for
    /// this long.
    public var idleTimeoutSeconds: Int64
    /// Which patients' recordings each user may reach (the care list, and the roles that need none).
    public var carePolicy: CarePolicy
    /// Staff sign-in through the organisation's OpenID Provider; nil: bearer tokens only.
    public var signIn: SignInConfiguration?

    public init(host: String = "127.0.0.1", port: Int = 8080, tlsCertificatePath: String? = nil, tlsKeyPath: String? = nil,
                maxUploadBytes: Int64 = 16 << 30, maxConcurrentStreams: Int = 128, idleTimeoutSeconds: Int64 = 30,
                carePolicy: CarePolicy = CarePolicy(), allowInsecureHTTP: Bool = false, signIn: SignInConfiguration? = nil,
                plaintextBufferBudget: Int = VaultConfig.defaultPlaintextBuffers) {
        self.plaintextBufferBudget = plaintextBufferBudget
        self.signIn = signIn
        self.host = host
        self.port = port
        self.tlsCertificatePath = tlsCertificatePath
        self.tlsKeyPath = tlsKeyPath
        self.maxUploadBytes = maxUploadBytes
        self.maxConcurrentStreams = maxConcurrentStreams
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.carePolicy = carePolicy
        self.allowInsecureHTTP = allowInsecureHTTP
    }

    /// Whether this is served over TLS.
    public var usesTLS: Bool { tlsCertificatePath != nil && tlsKeyPath != nil }

    /// Refuses plain HTTP on an address that is not loopback, unless ``allowInsecureHTTP``.
    public func checkTransport() throws(ServerError) {
        if !usesTLS, !allowInsecureHTTP, !LoopbackHost.contains(host) { throw .insecureListen(host: host) }
    }

    /// Parses `HOST:PORT` (`[::1]:8080` for IPv6).
    public static func parseListen(_ text: String) throws(ServerError) -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":") else { throw .invalidListenAddress(text) }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw .invalidListenAddress(text)
        }
        return (host, port)
    }
}
