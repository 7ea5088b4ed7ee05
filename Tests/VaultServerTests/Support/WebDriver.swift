import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A chromedriver (Debian `chromium-driver`) process driving headless Chromium over the W3C
/// WebDriver protocol (JSON over HTTP on 127.0.0.1), stopped by its own pid.
final class WebDriver {
    static let driverPath = "/usr/bin/chromedriver"
    static let chromiumPath = "/usr/bin/chromium"
    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: driverPath) && FileManager.default.isExecutableFile(atPath: chromiumPath)
    }

    let process = Process()
    let client: HTTPTestClient
    var session = ""

    init() async throws {
        let port = try Self.freePort()
        process.executableURL = URL(fileURLWithPath: Self.driverPath)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        client = HTTPTestClient(port: port)
        for _ in 0..<100 {
            if let status = try? await client.get("/status"), status.status == 200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": ["binary": Self.chromiumPath,
                                   "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                            "--autoplay-policy=no-user-gesture-required", "--user-data-dir=/tmp/chromium-\(UUID().uuidString)"]],
        ]]]
        let created = try await command("POST", "/session", capabilities)
        session = (created["sessionId"] as? String) ?? ""
        guard !session.isEmpty else { throw HTTPTestClient.ClientError(description: "no WebDriver session: \(created)") }
    }

    /// Runs a WebDriver command and returns its `value` object.
    @discardableResult
    func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        let data = try body.map { Array(try JSONSerialization.data(withJSONObject: $0)) }
        let response = try await client.request(method, path, headers: data == nil ? [:] : ["Content-Type": "application/json"],
                                                body: data.map { .bytes($0) } ?? .none)
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        if response.status >= 400 { throw HTTPTestClient.ClientError(description: "WebDriver \(path): \(response.text.prefix(500))") }
        if let value = json["value"] as? [String: Any] { return value }
        return ["value": json["value"] ?? NSNull(), "sessionId": json["sessionId"] ?? NSNull()]
    }

    func open(_ url: String) async throws { try await command("POST", "/session/\(session)/url", ["url": url]) }

    /// Runs `script` in the page and returns its result.
    func run(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command("POST", "/session/\(session)/execute/sync", ["script": script, "args": arguments])["value"]
    }

    /// Polls `script` until it returns true, or fails after `seconds`.
    func waitUntil(_ script: String, seconds: Double = 20) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try await run(script)) as? Bool == true { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw HTTPTestClient.ClientError(description: "timed out waiting for: \(script)")
    }

    /// Saves a PNG of the page as `.build/test-artefacts/web/NAME.png` (kept for people to look at; gitignored).
    @discardableResult
    func screenshot(_ name: String) async throws -> URL {
        let value = try await command("GET", "/session/\(session)/screenshot")["value"] as? String ?? ""
        guard let png = Data(base64Encoded: value), !png.isEmpty else { throw HTTPTestClient.ClientError(description: "no screenshot") }
        try FileManager.default.createDirectory(at: Self.artefacts, withIntermediateDirectories: true)
        let file = Self.artefacts.appendingPathComponent(name + ".png")
        try png.write(to: file)
        return file
    }

    /// Where screenshots go: the package's `.build/test-artefacts/web/`.
    static let artefacts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/test-artefacts/web")

    /// The viewport as Chromium's device emulation sets it: `width` CSS pixels at `scale` device
    /// pixels each (a 640-pixel-wide viewport at scale 2 is a 1280-pixel window zoomed to 200 %).
    func emulateViewport(width: Int, height: Int, scale: Double) async throws {
        try await command("POST", "/session/\(session)/goog/cdp/execute", ["cmd": "Emulation.setDeviceMetricsOverride",
            "params": ["width": width, "height": height, "deviceScaleFactor": scale, "mobile": false]])
    }

    /// Presses a key (WebDriver key codes: "\u{E004}" is Tab, "\u{E007}" Enter) as a keyboard user would.
    func press(_ key: String) async throws {
        try await command("POST", "/session/\(session)/actions", ["actions": [["type": "key", "id": "keyboard",
            "actions": [["type": "keyDown", "value": key], ["type": "keyUp", "value": key]]]]])
    }

    func quit() async {
        if !session.isEmpty { _ = try? await command("DELETE", "/session/\(session)") }
        // chromedriver ignores SIGTERM; the browser is already closed by DELETE /session.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for _ in 0..<100 where process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw HTTPTestClient.ClientError(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
