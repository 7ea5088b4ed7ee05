import Foundation
import Synchronization
import SessionVault
import VaultCrypto
import VaultIndex
import VaultServer

/// A vault with roles, two patients' consented sessions, recordings and users, plus helpers to
/// run the HTTP service in-process on 127.0.0.1 with an OS-chosen port.
///
/// - alice: clinician caring for patient A (session S1, care consent)
/// - bob: clinician caring for patient B (session S2, care consent)
/// - sue: supervisor caring for patient A (S1 has no supervision consent, so no key)
/// - rita: records officer (no care list, sees everything her role holds)
struct ServerFixture {
    let vault: Vault
    let root: URL
    let passphrase: SecureBytes
    let keychain: RoleKeychain
    var tokens: [String: String] = [:]
    /// Recording of patient A (S1): 5 chunks of 64 KiB minus a bit, random bytes.
    var recordingA: RecordingID
    var contentA: [UInt8]
    /// Recording of patient B (S2).
    var recordingB: RecordingID

    static let chunkSize = 64 << 10
    static let patientA = "9434765919"
    static let patientB = "4010232137"

    /// rita's own officer passphrase, when the fixture makes her an officer.
    static let officerPassphrase = "rita's own officer passphrase, 2026"

    /// A clock that starts in the past and is brought back to the present (for a recording whose
    /// retention has already ended).
    final class FixtureClock: Sendable {
        private let offset = Mutex<TimeInterval>(0)
        func set(yearsAgo: Double) { offset.withLock { $0 = -yearsAgo * 365.25 * 86_400 } }
        func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    }

    /// With `officer`, rita is an officer (her key under ``officerPassphrase``, holding a copy of
    /// the pseudonym key) and recording A waits for her review: it was stored 25 years ago and
    /// its patient's last contact was that day, so the care period (20 years) has ended.
    static func make(contentSize: Int = 5 * (64 << 10) - 1234, officer: Bool = false) async throws -> ServerFixture {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("server-vault-\(UUID().uuidString)")
        let passphrase = try SecureBytes(copying: Array("server test passphrase".utf8))
        let clock = FixtureClock()
        if officer { clock.set(yearsAgo: 25) }
        let vault = try await Vault.create(at: VaultLayout(root: root),
                                           options: .init(chunkSize: chunkSize, kdf: .interactive,
                                                          schedule: (DefaultSchedule.fileName, DefaultSchedule.text)),
                                           passphrase: passphrase, actor: "test", clock: { clock.now() })
        for role in ["clinician", "records-officer", "supervisor"] { try await vault.addRole(role, passphrase: passphrase, by: .unproven("test")) }
        try await vault.recordConsent(ConsentRequest(session: "S1", patientIdentifier: patientA, scopes: ["care"]), vaultPassphrase: passphrase, by: .unproven("test"))
        try await vault.recordConsent(ConsentRequest(session: "S2", patientIdentifier: patientB, scopes: ["care"]), vaultPassphrase: passphrase, by: .unproven("test"))
        var generator = SystemRandomNumberGenerator()
        let content = (0..<contentSize).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var reader = BufferChunkReader(bytes: content)
        let a = try await vault.ingest(IngestRequest(session: "S1", clinician: "dr-a", retentionClass: "care", actor: "test"), from: &reader)
        var readerB = BufferChunkReader(bytes: Array(repeating: 7, count: 1000))
        let b = try await vault.ingest(IngestRequest(session: "S2", clinician: "dr-b", retentionClass: "care", actor: "test"), from: &readerB)
        let pA = try await vault.pseudonym(ofPatient: patientA, vaultPassphrase: passphrase)
        let pB = try await vault.pseudonym(ofPatient: patientB, vaultPassphrase: passphrase)
        var tokens: [String: String] = [:]
        tokens["alice"] = try await vault.addUser(name: "alice", role: "clinician", patientPseudonyms: [pA], by: .unproven("test")).token
        tokens["bob"] = try await vault.addUser(name: "bob", role: "clinician", patientPseudonyms: [pB], by: .unproven("test")).token
        tokens["sue"] = try await vault.addUser(name: "sue", role: "supervisor", patientPseudonyms: [pA], by: .unproven("test")).token
        if officer {
            _ = try await vault.recordPatientEvent(patient: patientA, lastContact: CivilDate(clock.now()), vaultPassphrase: passphrase, by: .unproven("test"))
            clock.set(yearsAgo: 0)
            _ = try await vault.sweep(actor: "test")
            let own = try SecureBytes(copying: Array(officerPassphrase.utf8))
            tokens["rita"] = try await vault.addUser(name: "rita", role: "records-officer", patientPseudonyms: [], officerPassphrase: own,
                                                     by: .unproven("test")).token
            let rita = try await vault.proveOfficer("rita", passphrase: own, for: .manageUsers)
            _ = try await vault.sealPseudonymKeyToOfficers(vaultPassphrase: passphrase, by: .officer(rita))
        } else {
            tokens["rita"] = try await vault.addUser(name: "rita", role: "records-officer", patientPseudonyms: [], by: .unproven("test")).token
        }
        let keychain = try await RoleKeychain.unlock(vault: vault, single: .bytes(passphrase))
        return ServerFixture(vault: vault, root: root, passphrase: passphrase, keychain: keychain, tokens: tokens,
                             recordingA: a.id, contentA: content, recordingB: b.id)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    func token(_ user: String) -> String { tokens[user]! }

    /// Runs the service on 127.0.0.1:0 (or on `configuration`'s port, with `keepPort`: a sign-in
    /// test registers its callback address with the provider first) for the duration of `body`,
    /// then stops it.
    func withServer(_ configuration: ServerConfiguration = ServerConfiguration(host: "127.0.0.1", port: 0), keepPort: Bool = false,
                    _ body: @Sendable (HTTPTestClient, VaultHTTPServer) async throws -> Void) async throws {
        var configuration = configuration
        if !keepPort { configuration.port = 0 }
        configuration.host = "127.0.0.1"
        let server = VaultHTTPServer(vault: vault, keychain: keychain, configuration: configuration)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try server.makeApplication { port in continuation.yield(port) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw HTTPTestClient.ClientError(description: "server did not start") }
            do {
                try await body(HTTPTestClient(port: port, inProcess: true), server)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    /// Audit entries about a recording.
    func audit(_ id: RecordingID) async throws -> [AuditEntry] { try await vault.auditLog(recording: id) }
}

