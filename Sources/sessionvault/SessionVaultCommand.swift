import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SessionVault

@main
struct SessionVaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessionvault",
        abstract: "An encrypted vault for consented recordings of therapy and assessment sessions.",
        discussion: """
            Every command works on the vault in --vault DIR, else $SESSIONVAULT_DIR, else ./vault.
            Passphrases come from --passphrase-file FILE, else $SESSIONVAULT_PASSPHRASE.
            See README.md and docs/ for a tour, the format and the threat model.
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self, RoleCommand.self, ConsentCommand.self, IngestCommand.self, GetCommand.self, ReviewCommand.self, ProbeCommand.self,
            ListCommand.self, PatientCommand.self, HoldCommand.self, SweepCommand.self, SweeperCommand.self,
            DispositionCommand.self, DestroyedCommand.self, AuditCommand.self, ExportCommand.self, RequestCommand.self, VerifyCommand.self, FSCKCommand.self, GCCommand.self, ServeCommand.self, UserCommand.self,
        ]
    )

    static func main() async {
        MallocTuning.apply()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

