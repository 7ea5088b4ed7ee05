import Foundation
import SessionVault
import TestSupport
import Testing
import VaultCrypto
import VaultIndex

/// `sessionvault serve` and `sessionvault user` as separate processes.
@Suite("serve and user commands", .serialized, .timeLimit(.minutes(30)))
struct ServeCommandTests {
    static let passphrase = "serve command passphrase"

    /// A vault made with the CLI: roles, consent for S1, chunk size `chunk`.
    static func makeVault(chunk: String = "1MiB") async throws -> (URL, [String: String]) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("serve-cli-\(UUID().uuidString)")
        let env = ["SESSIONVAULT_DIR": root.path, "SESSIONVAULT_PASSPHRASE": passphrase]
        for arguments in [["init", "--chunk-size", chunk, "--kdf", "interactive"], ["role", "add", "clinician"], ["role", "add", "records-officer"],
                          ["consent", "record", "--session", "S1", "--patient", "9434765919", "--scope", "care"]] {
            let result = try await ServeProcess.run(arguments, environment: env)
            guard result.status == 0 else { throw HTTPTestClient.ClientError(description: "\(arguments): \(result.stderr)") }
        }
        return (root, env)
    }

    @Test func userAddPrintsATokenOnceAndUserLsNeverShowsIt() async throws {
        let (root, env) = await try Self.makeVault(chunk: "64KiB")
        defer { try? FileManager.default.removeItem(at: root) }
        let added = try await ServeProcess.run(["user", "add", "alice", "--role", "clinician", "--patient", "9434765919"], environment: env)
        #expect(added.status == 0)
        let token = added.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("svt_") && token.count == 47)
        #expect(!added.stderr.contains("9434765919"))
        let listed = try await ServeProcess.run(["user", "ls"], environment: env)
        #expect(listed.out.contains("alice\tclinician\t1 patient(s)\tactive"))
        #expect(!listed.out.contains(token))
        #expect(try await ServeProcess.run(["user", "add", "alice", "--role", "clinician"], environment: env).status != 0)
        #expect(try await ServeProcess.run(["user", "add", "bob", "--role", "no-such-role"], environment: env).status == 5)
        #expect(try await ServeProcess.run(["user", "add", "Bad Name", "--role", "clinician"], environment: env).status != 0)
        #expect(try await ServeProcess.run(["user", "revoke", "alice"], environment: env).status == 0)
        #expect(try await ServeProcess.run(["user", "ls"], environment: env).out.contains("revoked"))
        #expect(try await ServeProcess.run(["user", "revoke", "alice"], environment: env).status != 0)
    }

    @Test func serveRefusesToStartWhenARoleKeyCannotBeUnlocked() async throws {
        let (root, env) = await try Self.makeVault(chunk: "64KiB")
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try await ServeProcess.run(["user", "add", "alice", "--role", "clinician"], environment: env).status == 0)
        let result = try await ServeProcess.run(["serve", "--listen", "127.0.0.1:0"],
                                          environment: env.merging(["SESSIONVAULT_PASSPHRASE": "not the passphrase"]) { $1 })
        #expect(result.status == 3)
        #expect(result.stderr.contains("cannot unlock role 'clinician'"))
        #expect(result.stderr.contains("refusing to start"))
        #expect(!result.stderr.contains("not the passphrase"))
        var noPassphrase = env
        noPassphrase["SESSIONVAULT_PASSPHRASE"] = nil
        let missing = try await ServeProcess.run(["serve", "--listen", "127.0.0.1:0"], environment: noPassphrase)
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("no passphrase for role(s) clinician"))
        #expect(try await ServeProcess.run(["serve", "--listen", "nonsense"], environment: env).status == 64)
    }

    /// `serve --tls-cert --tls-key`: HTTPS with a certificate made by Debian's openssl, checked
    /// with curl; plain HTTP on the same port gets no HTTP answer.
    @Test func serveSpeaksTLSWithTheGivenCertificate() async throws {
        let (root, env) = await try Self.makeVault(chunk: "64KiB")
        defer { try? FileManager.default.removeItem(at: root) }
        let cert = root.appendingPathComponent("tls-cert.pem").path, key = root.appendingPathComponent("tls-key.pem").path
        let made = try await ServeProcess.runTool("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                                                 "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                                                                 "-addext", "subjectAltName=IP:127.0.0.1"])
        try #require(made.status == 0, "openssl: \(made.stderr)")
        let added = try await ServeProcess.run(["user", "add", "alice", "--role", "clinician", "--patient", "9434765919"], environment: env)
        let token = added.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try await ServeProcess.Server.start(arguments: ["--tls-cert", cert, "--tls-key", key], environment: env)
        defer { server.stop() }
        let base = "https://127.0.0.1:\(server.port)"
        // Verified against the certificate itself (not -k): the server presents exactly that chain.
        let health = try await ServeProcess.runTool("/usr/bin/curl", ["-sS", "--cacert", cert, "-o", "/dev/null", "-w", "%{http_code}", base + "/healthz"])
        #expect(health.out == "200", "curl: \(health.stderr)")
        let listed = try await ServeProcess.runTool("/usr/bin/curl", ["-sS", "--cacert", cert, "-H", "Authorization: Bearer " + token, base + "/api/recordings"])
        #expect(listed.status == 0 && listed.out.contains("\"count\""), "curl: \(listed.out) \(listed.stderr)")
        let plain = try await ServeProcess.runTool("/usr/bin/curl", ["-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}",
                                                               "http://127.0.0.1:\(server.port)/healthz"])
        #expect(plain.out != "200")
        let wrongKey = try await ServeProcess.run(["serve", "--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", cert], environment: env)
        #expect(wrongKey.status != 0)
        #expect(wrongKey.stderr.contains("not a PEM private key"))
    }

    /// One TLS handshake by openssl's client, offering only `protocol` and `cipher`; whether it
    /// agreed on a cipher.
    static func handshake(port: Int, _ options: [String]) async throws -> Bool {
        let result = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/openssl"),
                                                ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost"] + options,
                                                environment: TestEnvironment.inherited, stdin: Data())
        return result.status == 0 && result.out.contains(", Cipher is ") && !result.out.contains("Cipher is (NONE)")
    }

    /// Issue #16: the service accepted TLS 1.0 and 1.1 and RSA key exchange (a stolen key decrypts
    /// every recorded session), sent no HSTS, and served plain HTTP on any address it was given.
    @Test func httpsIsTLS12OrLaterWithForwardSecrecyAndHSTSAndPlainHTTPStaysOnLoopback() async throws {
        let (root, env) = await try Self.makeVault(chunk: "64KiB")
        defer { try? FileManager.default.removeItem(at: root) }
        let cert = root.appendingPathComponent("rsa-cert.pem").path, key = root.appendingPathComponent("rsa-key.pem").path
        let made = try await ServeProcess.runTool("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                                                 "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        try #require(made.status == 0, "openssl: \(made.stderr)")
        let server = try await ServeProcess.Server.start(arguments: ["--tls-cert", cert, "--tls-key", key], environment: env)
        defer { server.stop() }
        #expect(try await Self.handshake(port: server.port, ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]))
        #expect(try await Self.handshake(port: server.port, ["-tls1_3"]))
        #expect(!(try await Self.handshake(port: server.port, ["-tls1_2", "-cipher", "AES128-GCM-SHA256"])), "RSA key exchange accepted")
        #expect(!(try await Self.handshake(port: server.port, ["-tls1_2", "-cipher", "AES256-SHA"])), "RSA key exchange accepted")
        #expect(!(try await Self.handshake(port: server.port, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])), "TLS 1.1 accepted")
        #expect(!(try await Self.handshake(port: server.port, ["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"])), "TLS 1.0 accepted")
        let headers = try await ServeProcess.runTool("/usr/bin/curl", ["-sS", "--cacert", cert, "-D", "-", "-o", "/dev/null",
                                                                  "https://127.0.0.1:\(server.port)/healthz"])
        #expect(headers.out.lowercased().contains("strict-transport-security: max-age=31536000"), "\(headers.out)")

        // Plain HTTP: on loopback as before, without HSTS; elsewhere only with --insecure-http.
        let plain = try await ServeProcess.Server.start(arguments: [], environment: env)
        defer { plain.stop() }
        let plainHeaders = try await ServeProcess.runTool("/usr/bin/curl", ["-sS", "-D", "-", "-o", "/dev/null", "http://127.0.0.1:\(plain.port)/healthz"])
        #expect(plainHeaders.out.contains("200") && !plainHeaders.out.lowercased().contains("strict-transport-security"))
        // (Started, not run to completion: a service that does not refuse would run until stopped.)
        let insecure = try ChildProcess.Running(ServeProcess.binary, ["serve", "--listen", "0.0.0.0:0", "--without-checkpoints"],
                                                environment: TestEnvironment.inherited.merging(env) { $1 })
        _ = try await insecure.waitForStderr(containing: "sessionvault:", timeout: .seconds(60))
        let ended = try await eventually(timeout: .seconds(20)) { insecure.hasEnded }
        if !ended { insecure.send(SIGKILL) }
        let refused = try await insecure.finish()
        #expect(ended && refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("--insecure-http") && refused.stderr.contains("not a loopback address"), "\(refused.stderr)")
        let allowed = try ChildProcess.Running(ServeProcess.binary, ["serve", "--listen", "0.0.0.0:0", "--insecure-http", "--without-checkpoints"],
                                               environment: TestEnvironment.inherited.merging(env) { $1 })
        defer {
            allowed.send(SIGTERM)
            allowed.process.waitUntilExit()
        }
        #expect(try await allowed.waitForStderr(containing: "serving http://0.0.0.0:", timeout: .seconds(60)), "\(allowed.stderrSoFar)")
    }

    /// The environment variables of a running process, as anyone with its uid (or root) reads them.
    static func environ(of pid: Int32) throws -> (names: [String], text: String) {
        let data = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
        let entries = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return (entries.compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) }, String(decoding: data, as: UTF8.self))
    }

    /// Issue #16: `serve` kept `SESSIONVAULT_PASSPHRASE` (which unlocks every role key and the
    /// pseudonym key) in /proc/PID/environ for its whole life, and passed it to any child.
    @Test func serveAndSweeperScrubThePassphrasesFromTheirEnvironment() async throws {
        let (root, env) = await try Self.makeVault(chunk: "64KiB")
        defer { try? FileManager.default.removeItem(at: root) }
        let secrets = env.merging(["SESSIONVAULT_OFFICER_PASSPHRASE": "officer secret passphrase", "SESSIONVAULT_PG_PASSWORD": "catalog secret password"]) { $1 }
        let server = try await ServeProcess.Server.start(arguments: [], environment: secrets)
        defer { server.stop() }
        #expect(try await HTTPTestClient(port: server.port).get("/healthz").status == 200)
        let served = try Self.environ(of: server.process.processIdentifier)
        #expect(served.names.contains("SESSIONVAULT_DIR"), "the test reads the right file")
        for name in ["SESSIONVAULT_PASSPHRASE", "SESSIONVAULT_OFFICER_PASSPHRASE", "SESSIONVAULT_PG_PASSWORD"] {
            #expect(!served.names.contains(name), "serve still shows \(name)")
        }
        for value in [Self.passphrase, "officer secret passphrase", "catalog secret password"] {
            #expect(!served.text.contains(value), "serve's environment still holds a secret")
        }
        let sweeper = try ChildProcess.Running(ServeProcess.binary, ["sweeper", "--interval", "1h", "--without-checkpoints"],
                                               environment: TestEnvironment.inherited.merging(secrets) { $1 })
        defer {
            sweeper.send(SIGTERM)
            sweeper.process.waitUntilExit()
        }
        _ = try await sweeper.waitForStderr(containing: "checkpoints", timeout: .seconds(60))
        let scrubbed = try await eventually(timeout: .seconds(30)) {
            let swept = try Self.environ(of: sweeper.pid)
            return !swept.names.contains("SESSIONVAULT_PASSPHRASE") && !swept.text.contains(Self.passphrase)
        }
        #expect(scrubbed, "the sweeper still shows SESSIONVAULT_PASSPHRASE")
    }

    @Test func aLargeUploadToTheServeProcessKeepsItsMemoryBounded() async throws {
        let (root, env) = await try Self.makeVault(chunk: "1MiB")
        defer { try? FileManager.default.removeItem(at: root) }
        let added = try await ServeProcess.run(["user", "add", "alice", "--role", "clinician", "--patient", "9434765919"], environment: env)
        let token = added.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try await ServeProcess.Server.start(arguments: [], environment: env)
        defer { server.stop() }
        let client = HTTPTestClient(port: server.port)
        #expect(try await client.get("/healthz").status == 200)
        let before = try #require(server.residentBytes)
        let total: Int64 = 160 << 20
        // Sample the server's resident memory while the upload streams (its start-up peak, from
        // unlocking keys with Argon2id, would hide the upload's own in VmHWM).
        let pid = server.process.processIdentifier
        let sampler = Task { () -> Int64 in
            var highest: Int64 = 0
            while !Task.isCancelled {
                highest = max(highest, ServeProcess.Server.memory("VmRSS:", pid: pid) ?? 0)
                try? await Task.sleep(for: .milliseconds(20))
            }
            return highest
        }
        let response = try await client.request("POST", "/api/recordings?session=S1&class=care",
                                                headers: ["Authorization": "Bearer " + token, "Transfer-Encoding": "chunked"],
                                                body: .generated(total: total, block: 1 << 20, make: UploadTests.pattern))
        #expect(response.status == 201)
        #expect(try response.json()["byteCount"] as? Int == Int(total))
        sampler.cancel()
        let peak = await sampler.value
        print("serve RSS: \(before >> 20) MiB before, at most \(peak >> 20) MiB during a \(total >> 20) MiB upload")
        // 1 MiB chunks: the ingest window plus NIO's buffers, nowhere near the upload's size.
        #expect(peak > 0)
        #expect(peak - before < 32 << 20, "resident memory grew by \((peak - before) >> 20) MiB")
        let health = try await client.get("/healthz")
        #expect(health.status == 200)
    }
}
