import ArgumentParser
import Foundation
import Retention
import SessionVault

extension ConsentCommand {
    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw one consented scope of a session: its roles lose their keys at once, and due dates are recomputed.",
            discussion: """
                In one transaction the wraps of every role that only this scope justified are deleted (a cryptographic revocation:
                from then on those roles cannot decrypt), the withdrawal is recorded, and the recordings' due dates are recomputed.
                No passphrase is needed.
                """)

        @OptionGroup var vault: VaultOptions
        @Option(help: "The session id.") var session: String
        @Option(help: "The scope to withdraw (e.g. training).") var scope: String
        @Option(help: ArgumentHelp("The date consent was withdrawn (default: today).", valueName: "YYYY-MM-DD")) var date: CivilDate?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var officer: OfficerOptions

        func run() async throws {
            try await reportingErrors {
                try await vault.withVault { opened in
                    let authority = try await officer.authority(opened, for: .consent)
                    let summary = try await opened.withdrawConsent(session: session, scope: scope, on: date, by: authority)
                    if json { try printJSON(summary); return }
                    print("Withdrew '\(scope)' for session \(session) on \(summary.withdrawnOn): \(summary.wrapsRevoked) keys revoked"
                          + (summary.revokedRoles.isEmpty ? "" : " (roles: \(summary.revokedRoles.joined(separator: ", ")))"))
                    print("Remaining scopes: \(summary.remainingScopes.isEmpty ? "none" : summary.remainingScopes.joined(separator: ", "))")
                    for id in summary.recordings {
                        print("  recording \(id): due \((summary.dueDates[id] ?? nil)?.description ?? "not yet determinable")")
                    }
                }
            }
        }
    }
}
