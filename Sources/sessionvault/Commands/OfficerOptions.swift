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

    /// The authority for a privileged act: the proven officer, or, while the vault has no officer
    /// yet (setup), the shell user taken at their word, with a warning. The vault checks it again.
    func authority(_ vault: Vault, for privilege: OfficerPrivilege) async throws -> Authority {
        if try await vault.officersRequired() || name != nil { return .officer(try await require(vault, for: privilege)) }
        note("sessionvault: warning: this vault has no officer yet, so '\(privilege.rawValue)' is done unproven (audited as \(ShellUser.actor)); "
             + "add the first with `sessionvault user add NAME --role records-officer --officer-key`")
        return .unproven(ShellUser.actor)
    }

    /// A patient's pseudonym: with the named officer's copy of the pseudonym key, else with the
    /// vault passphrase while the key is still under it (a vault with no records officer yet).
    func pseudonym(_ vault: Vault, of identifier: String, proven: Officer? = nil, vaultPassphrase: () throws -> SecureBytes) async throws -> String {
        var officer = proven
        if officer == nil, name != nil { officer = try await require(vault, for: .lookUpPatient) }
        // The vault decides whose copy of the key opens; the passphrase is asked for only while it can.
        let underPassphrase = try vault.pseudonymKeyUnderVaultPassphrase()
        return try await vault.pseudonym(ofPatient: identifier, officer: officer, vaultPassphrase: underPassphrase ? try vaultPassphrase() : nil)
    }
}
