import ArgumentParser
import Foundation
import SessionVault
import VaultCrypto

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new vault: configuration, catalog, blob directory and keyring.",
        discussion: """
            The passphrase protects the vault's own secrets (the patient pseudonym key and the audit signing key). Like every new \
            passphrase (role add, user add --officer-key, audit signer add) it must have at least 12 characters and not be one \
            of the most common passphrases; choose several random words.
            """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var passphrase: PassphraseOptions

    @Option(help: ArgumentHelp("Plaintext bytes per chunk for new recordings (64KiB to 64MiB).", valueName: "SIZE"))
    var chunkSize = ByteSize(4 << 20, written: "4MiB")

    @Option(help: ArgumentHelp("Chunk cipher: auto (AES-256-GCM where the CPU has AES-NI, else XChaCha20-Poly1305), aes256gcm or xchacha20poly1305."))
    var algorithm: String = "auto"

    @Option(help: ArgumentHelp("Argon2id cost for passphrase-protected keys: moderate (256 MiB, about a second per unlock), sensitive (1 GiB) or interactive (64 MiB: only where unlocking must be fast and the keyring is well guarded)."))
    var kdf: String = "moderate"

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

    @Option(help: ArgumentHelp("""
        The erasure tree's root file (default erasure/root, inside the vault directory). With a postgres:// catalog \
        shared by several nodes, name a file on storage every node mounts, the same on each; it must be overwritten \
        in place and never versioned, snapshotted or backed up (docs/DEPLOYMENT.md).
        """, valueName: "PATH"))
    var erasureRoot: String?

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
                                                                                   catalog: catalog, blobs: blobs, erasureRoot: erasureRoot),
                                                 passphrase: secret, actor: ShellUser.actor)
            print("Created vault \(created.config.vaultID) in \(created.layout.root.path)")
            print("  chunks: \(ByteCount.format(Int64(created.config.chunkSize))) sealed with \(created.config.algorithm)")
            print("  retention schedule: \(created.config.retentionSchedule)")
            print("  catalog: \(created.config.catalogDescription)")
            print("  blobs: \(created.config.blobsDescription)")
            print("  erasure root: \(created.config.erasureRootFile(in: created.layout).path)")
            await created.close()
            print("Next: `sessionvault role add clinician` (and records-officer, supervisor, ...).")
        }
    }
}
