import ArgumentParser
import Foundation
import SessionVault
import Retention

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Encrypt and store a consented recording from a file or stdin (-).",
        discussion: """
            Streams in bounded memory: chunks are sealed in parallel and made durable before one catalog commit, so the
            recording is visible only once complete. Prints the new recording's id. The session must have consent on record.
            A WebM or Ogg recording of a class named in config.toml's [review] at_ingest (default: supervision, training)
            also gets its review copy, transcoded from the same stream on a second core and stored as a derived recording
            once the original is committed; if the copy cannot be made, the original is stored all the same.
            """)

    @OptionGroup var vault: VaultOptions
    @Argument(help: ArgumentHelp("The recording to ingest, or - for stdin.", valueName: "FILE|-")) var input: String
    @Option(help: "The session id (its consent decides which roles can decrypt).") var session: String
    @Option(help: "The clinician who made the recording.") var clinician: String
    @Option(name: .customLong("class"), help: "The retention class (e.g. care, supervision, training).") var retentionClass: String
    @Option(help: ArgumentHelp("Plaintext bytes per chunk (default: the vault's, 4MiB).", valueName: "SIZE")) var chunkSize: ByteSize?
    @Option(help: ArgumentHelp("The day the session was recorded (retention counts from it); default today, with a warning.",
                               valueName: "YYYY-MM-DD[THH:MM]")) var captured: CapturedOn?
    @Flag(help: "Print a JSON summary instead of just the id.") var json = false

    func run() async throws {
        try await reportingErrors {
            try await vault.withVault { opened in
                var reader = try FileChunkReader(path: input)
                defer { reader.close() }
                let bar = ProgressBar(label: "ingest", total: reader.knownSize)
                let summary = try await opened.ingest(
                    IngestRequest(session: session, clinician: clinician, retentionClass: retentionClass, chunkSize: chunkSize?.bytes,
                                  capturedOn: captured?.day, actor: ShellUser.actor),
                    from: &reader, progress: { bar.update($0) })
                bar.finish()
                switch summary.capturedFrom {
                case .given: break
                case .media: note("sessionvault: the capture date \(summary.capturedOn) is the one the recording itself states (WebM DateUTC)")
                case .uploadDay:
                    note("sessionvault: warning: no --captured date given and the recording states none: the capture date is taken as today "
                         + "(\(summary.capturedOn)); a session recorded earlier is then kept longer than its schedule says")
                }
                if let review = summary.reviewCopy {
                    if let copy = review.copy {
                        note("sessionvault: review copy \(copy) stored with the recording")
                    } else if let reason = review.skipped {
                        note("sessionvault: no review copy made at ingest (\(reason)); `sessionvault review ID --store` makes one later")
                    }
                }
                if json { try printJSON(summary) } else { print(summary.id) }
            }
        }
    }
}
