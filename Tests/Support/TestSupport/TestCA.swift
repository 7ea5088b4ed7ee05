public import Foundation

/// A throwaway certificate authority made by openssl, for tests of TLS against real servers on
/// 127.0.0.1: the CA, a server certificate it issued (for `IP:127.0.0.1` and `localhost`), and a
/// second CA that issued nothing the server holds.
public struct TestCA: Sendable {
    public static let openssl = "/usr/bin/openssl"
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: openssl) }

    public let directory: URL
    /// PEM paths.
    public let caCertificate: String
    public let otherCACertificate: String
    public let serverCertificate: String
    public let serverKey: String

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Makes the CAs and the server certificate in `directory` (created if missing).
    public static func make(in directory: URL) async throws -> TestCA {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func openssl(_ arguments: [String]) async throws {
            let result = try await ChildProcess.run(URL(fileURLWithPath: Self.openssl), arguments)
            guard result.succeeded else { throw Failure(description: "openssl \(arguments.first ?? ""): \(result.stderr)") }
        }
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for name in ["ca", "other-ca"] {
            try await openssl(["req", "-x509"] + curve + ["-keyout", path("\(name).key"), "-out", path("\(name).crt"),
                                                      "-days", "2", "-subj", "/CN=SessionVault test \(name)"])
        }
        try await openssl(["req"] + curve + ["-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: path("san.cnf"), atomically: true, encoding: .utf8)
        try await openssl(["x509", "-req", "-in", path("server.csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                           "-CAcreateserial", "-out", path("server.crt"), "-days", "2", "-extfile", path("san.cnf")])
        return TestCA(directory: directory, caCertificate: path("ca.crt"), otherCACertificate: path("other-ca.crt"),
                      serverCertificate: path("server.crt"), serverKey: path("server.key"))
    }
}
