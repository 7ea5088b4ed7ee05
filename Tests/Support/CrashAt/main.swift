// One write path of the vault, killed with SIGKILL at a named crash point, for the crash tests.
// Not part of the product: it opens the vault through the library with a fault injector
// (`@_spi(Testing)`), which the shipped CLI never installs. Recovery and the checks afterwards
// use the real CLI.
//
//   test-crash-at POINT sweep
//   test-crash-at POINT consent-withdraw SESSION SCOPE
//   test-crash-at POINT role-rotate ROLE
//   test-crash-at POINT format-upgrade ROLE
//   test-crash-at POINT ingest FILE SESSION CLASS
//
// The vault is $SESSIONVAULT_DIR; keys and officers as the CLI reads them ($SESSIONVAULT_PASSPHRASE,
// $SESSIONVAULT_OFFICER, $SESSIONVAULT_OFFICER_PASSPHRASE). Ends by SIGKILL at POINT; exits 3 if the
// operation finished without reaching it, 2 on any other failure.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
@_spi(Testing) import SessionVault
import VaultCrypto

func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("test-crash-at: \(message)\n".utf8))
    exit(status)
}

let usage = "usage: POINT (sweep | consent-withdraw SESSION SCOPE | role-rotate ROLE | format-upgrade ROLE | ingest FILE SESSION CLASS); points: "
    + CrashPoint.allCases.map(\.rawValue).joined(separator: ", ")
var arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2, let point = CrashPoint(rawValue: arguments.removeFirst()) else { fail(usage) }
let operation = arguments.removeFirst()
let environment = ProcessInfo.processInfo.environment

/// The actor the CLI would audit: the proven officer when one is named, else the shell user's (`cli:<user>`).
func actor(_ vault: Vault, for privilege: OfficerPrivilege) async throws -> String {
    guard let name = environment["SESSIONVAULT_OFFICER"], !name.isEmpty else {
        return "cli:" + (environment["USER"] ?? environment["LOGNAME"] ?? "unknown")
    }
    let secret = environment["SESSIONVAULT_OFFICER_PASSPHRASE"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["SESSIONVAULT_PASSPHRASE"] ?? ""
    return try await vault.proveOfficer(name, passphrase: try SecureBytes(copying: Array(secret.utf8)), for: privilege).actor
}

do {
    let vault = try await Vault.open(at: VaultLayout.resolve(nil), faults: FaultInjector { reached in
        if reached == point { kill(getpid(), SIGKILL) }
    })
    switch (operation, arguments.count) {
    case ("sweep", 0):
        _ = try await vault.sweep(actor: "sweeper")
    case ("consent-withdraw", 2):
        _ = try await vault.withdrawConsent(session: arguments[0], scope: arguments[1], on: nil, by: .unproven(try await actor(vault, for: .consent)))
    case ("role-rotate", 1):
        let secret = try PassphraseSource.environment.read(purpose: "unlock role '\(arguments[0])'")
        _ = try await vault.rotateRole(arguments[0], passphrase: secret, by: .unproven(try await actor(vault, for: .manageRoles)))
    case ("format-upgrade", 1):
        let secret = try PassphraseSource.environment.read(purpose: "unlock role '\(arguments[0])'")
        let role = try await vault.unlockRole(arguments[0], passphrase: secret)
        let name = environment["SESSIONVAULT_OFFICER"] ?? ""
        let officerSecret = environment["SESSIONVAULT_OFFICER_PASSPHRASE"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["SESSIONVAULT_PASSPHRASE"] ?? ""
        let officer = try await vault.proveOfficer(name, passphrase: try SecureBytes(copying: Array(officerSecret.utf8)), for: .upgradeFormat)
        let report = try await vault.upgradeFormat(as: role, by: .officer(officer))
        if !report.errors.isEmpty { fail("\(report.errors)") }
    case ("ingest", 3):
        var reader = try FileChunkReader(path: arguments[0])
        defer { reader.close() }
        _ = try await vault.ingest(IngestRequest(session: arguments[1], clinician: "dr-a", retentionClass: arguments[2], actor: "cli:crash"),
                                   from: &reader)
    default:
        fail(usage)
    }
    await vault.close()
} catch {
    fail("\(error)")
}
fail("\(operation) finished without reaching \(point.rawValue)", status: 3)
