import ArgumentParser
import Foundation
import SessionVault
import VaultCrypto

/// `--vault DIR`, shared by every command.
struct VaultOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The vault directory (default: $SESSIONVAULT_DIR, else ./vault).", valueName: "DIR"))
    var vault: String?

    @Option(name: .long, help: ArgumentHelp("Trust only officers enrolled from this officer anchor (64 hex digits, or a file holding them; "
                                            + "default: $SESSIONVAULT_OFFICER_ANCHOR, else the vault's keyring/officer-anchor). Pin it from outside "
                                            + "the vault's files for the sweeper and the service.", valueName: "KEY"))
    var officerAnchor: String?

    var layout: VaultLayout { VaultLayout.resolve(vault) }

    func open() async throws -> Vault {
        let opened = try await Vault.open(at: layout)
        let pinned = officerAnchor ?? ProcessInfo.processInfo.environment["SESSIONVAULT_OFFICER_ANCHOR"].flatMap { $0.isEmpty ? nil : $0 }
        guard let pinned else { return opened }
        do {
            return opened.pinningOfficerAnchor(try Vault.parseOfficerAnchor(pinned))
        } catch {
            await opened.close()
            throw error
        }
    }

    /// Opens the vault, runs `body` with it, and closes it whether `body` returns or throws, so no
    /// command leaves the catalog's connections or the store's clients open behind it.
    func withVault<Result>(_ body: (Vault) async throws -> Result) async throws -> Result {
        let opened = try await open()
        let result: Result
        do {
            result = try await body(opened)
        } catch {
            await opened.close()
            throw error
        }
        await opened.close()
        return result
    }
}

/// `--passphrase-file F`, for commands that unlock a key.
struct PassphraseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Read the passphrase from FILE (default: $SESSIONVAULT_PASSPHRASE).", valueName: "FILE"))
    var passphraseFile: String?

    func read(purpose: String) throws -> SecureBytes {
        try PassphraseSource.from(file: passphraseFile).read(purpose: purpose)
    }
}

/// Prints a value as pretty JSON with sorted keys on stdout.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let data = try encoder.encode(value)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}

/// Writes a line to stderr.
func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
