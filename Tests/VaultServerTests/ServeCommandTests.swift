import Foundation
import SessionVault
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
        for arguments in [["init", "--chunk-size", chunk], ["role", "add", "clinician"], ["role", "add", "records-officer"],
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
