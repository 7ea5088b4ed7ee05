import ArgumentParser
import Foundation
import SessionVault
import VaultCrypto

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new vault: configuration, catalog, blob directory and keyring.",
        discussion: "The passphrase protects the vault's own secrets (the patient pseudonym key and the audit signing key).")

    @OptionGroup var vault: VaultOptions
    @OptionGroup var passphrase: PassphraseOptions

    @Option(help: ArgumentHelp("Plaintext bytes per chunk for new recordings (64KiB to 64MiB).", valueName: "SIZE"))
    var chunkSize = ByteSize(4 << 20, written: "4MiB")

    @Option(help: ArgumentHelp("Chunk cipher: auto (AES-256-GCM where the CPU has AES-NI, else XChaCha20-Poly1305), aes256gcm or xchacha20poly1305."))
    var algorithm: String = "auto"

    @Option(help: ArgumentHelp("Argon2id cost for passphrase-protected keys: interactive, moderate or sensitive."))
    var kdf: String = "interactive"

    @Option(help: ArgumentHelp("Retention schedule file to copy into the vault (default: the built-in NHS mental-health schedule).", valueName: "FILE"))
    var schedule: String?

    @Option(help: ArgumentHelp("""
        The catalog: sqlite:PATH (default sqlite:catalog.sqlite, inside the vault directory) or \
        postgres://USER@HOST:PORT/DATABASE[?sslmode=require[&sslrootcert=CA.pem]] (password in $SESSIONVAULT_PG_PASSWORD).
        """, valueName: "URL"))
    var catalog: String?

    @Option(help: ArgumentHelp("""
        The blob store: file:PATH (default file:blobs) or \
        s3://BUCKET[/PREFIX]?endpoint=URL&region=R&style=path|virtual-host&lock=compliance|governance|none[&ca=CA.pem] \
        (credentials in $SESSIONVAULT_S3_ACCESS_KEY and $SESSIONVAULT_S3_SECRET_KEY). A missing bucket is created, \
        with Object Lock when lock= asks for it.
        """, valueName: "URL"))
    var blobs: String?

    func run() async throws {
        try await reportingErrors {
            let chosen: ChunkAlgorithm
            if algorithm == "auto" {
                chosen = .preferred
            } else if let named = ChunkAlgorithm(name: algorithm) {
                chosen = named
            } else {
                throw VaultError.invalidArgument("unknown --algorithm '\(algorithm)' (auto, aes256gcm, xchacha20poly1305)")
            }
            guard let strength = KDFStrength(rawValue: kdf) else {
                throw VaultError.invalidArgument("unknown --kdf '\(kdf)' (interactive, moderate, sensitive)")
            }
            let scheduleFile: (name: String, text: String)
            if let schedule {
                guard let text = try? String(contentsOfFile: schedule, encoding: .utf8) else {
                    throw VaultError.input(path: schedule, reason: "cannot be read as UTF-8 text")
                }
                scheduleFile = ((schedule as NSString).lastPathComponent, text)
            } else {
                scheduleFile = (DefaultSchedule.fileName, DefaultSchedule.text)
            }
            let secret = try passphrase.read(purpose: "protect the new vault's secrets")
            let created = try await Vault.create(at: vault.layout, options: .init(chunkSize: chunkSize.bytes, algorithm: chosen, kdf: strength, schedule: scheduleFile,
                                                                                   catalog: catalog, blobs: blobs),
                                                 passphrase: secret, actor: ShellUser.actor)
            print("Created vault \(created.config.vaultID) in \(created.layout.root.path)")
            print("  chunks: \(ByteCount.format(Int64(created.config.chunkSize))) sealed with \(created.config.algorithm)")
            print("  retention schedule: \(created.config.retentionSchedule)")
            print("  catalog: \(created.config.catalogDescription)")
            print("  blobs: \(created.config.blobsDescription)")
            await created.close()
            print("Next: `sessionvault role add clinician` (and records-officer, supervisor, ...).")
        }
    }
}
