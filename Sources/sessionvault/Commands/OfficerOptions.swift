import ArgumentParser
import Foundation
import SessionVault
import VaultCrypto

/// Who does a privileged act, and their proof: an officer's name and their own passphrase.
struct OfficerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The officer doing this (default: $SESSIONVAULT_OFFICER).", valueName: "NAME")) var officer: String?
    @Option(help: ArgumentHelp("The officer's passphrase file (default: $SESSIONVAULT_OFFICER_PASSPHRASE, else $SESSIONVAULT_PASSPHRASE).",
                               valueName: "FILE"))
    var officerPassphraseFile: String?

    var name: String? { officer ?? ProcessInfo.processInfo.environment["SESSIONVAULT_OFFICER"].flatMap { $0.isEmpty ? nil : $0 } }

    func passphrase(for name: String) throws -> SecureBytes {
        if let officerPassphraseFile { return try PassphraseSource.file(officerPassphraseFile).read(purpose: "prove officer '\(name)'") }
        if let value = ProcessInfo.processInfo.environment["SESSIONVAULT_OFFICER_PASSPHRASE"], !value.isEmpty {
            return try SecureBytes(copying: Array(value.utf8))
        }
        return try PassphraseSource.environment.read(purpose: "prove officer '\(name)'")
    }

    /// The proven officer; always required.
    func require(_ vault: Vault, for privilege: OfficerPrivilege) async throws -> Officer {
        guard let name else {
            throw VaultError.officerRefused(name: "(none)", reason: "to \(privilege.rawValue) an officer must prove who they are: --officer NAME "
                                            + "(or $SESSIONVAULT_OFFICER) and their passphrase; make officers with `user add NAME --role records-officer --officer-key`")
        }
        return try await vault.proveOfficer(name, passphrase: try passphrase(for: name), for: privilege)
    }

    /// The audit actor for a privileged act: the proven officer's, or, while the vault has no
    /// officer yet (setup), the shell user's with a warning.
    func actor(_ vault: Vault, for privilege: OfficerPrivilege) async throws -> String {
        if try await vault.officersRequired() || name != nil { return try await require(vault, for: privilege).actor }
        note("sessionvault: warning: this vault has no officer yet, so '\(privilege.rawValue)' is done unproven (audited as \(ShellUser.actor)); "
             + "add the first with `sessionvault user add NAME --role records-officer --officer-key`")
        return ShellUser.actor
    }
}
