import ArgumentParser
import Foundation
import Media
import SessionVault

#if canImport(Glibc)
import Glibc
#endif

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Make a small review copy of a recording (VP8 640x360 15 fps + Opus mono, or Opus audio only).",
        discussion: """
            The recording is decrypted from the store as a stream straight into the transcoder: no plaintext touches the disk
            unless you ask for a file with -o. With --store the copy goes back into the vault as a derived recording (same
            session, so the same consent and keys; retention class review-copy; linked to its source).
            Profiles: review (WebM: VP8 at most 640x360, 15 fps, ~400 kbit/s; Opus mono 24 kbit/s) and audio (Ogg Opus; Opus
            is copied packet by packet when the source already has it).
            """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: ArgumentHelp("The recording id.", valueName: "UUID")) var id: RecordingID
    @Option(name: .customLong("as"), help: "The role to decrypt as.") var role: String
    @Option(help: "review or audio.") var profile: String = "review"
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the copy to FILE (created new).", valueName: "FILE")) var output: String?
    @Flag(help: "Store the copy in the vault as a derived recording.") var store = false
    @Flag(help: "Print a JSON summary.") var json = false

    func validate() throws {
        guard (output == nil) != !store || (output == nil && !store) else { throw ValidationError("give at most one of -o and --store") }
        guard ReviewProfile(rawValue: profile) != nil else { throw ValidationError("--profile must be review or audio") }
    }

    func run() async throws {
        try await reportingErrors {
            let recording = id
            let chosen = ReviewProfile(rawValue: profile)!
            try await vault.withVault { opened in
                _ = try await opened.requireWrap(recording, role: role, actor: ShellUser.actor, purpose: "review")
                let unlocked = try await opened.unlockRole(role, passphrase: try passphrase.read(purpose: "unlock role '\(role)'"))
                let summary: ReviewSummary
                do {
                    if store {
                        summary = try await opened.reviewAndStore(recording, as: unlocked, profile: chosen, actor: ShellUser.actor)
                    } else if let output {
                        var sink = try RewritableFileSink(creating: output)
                        do {
                            summary = try await opened.review(recording, as: unlocked, profile: chosen, to: &sink, actor: ShellUser.actor)
                            try sink.commit()
                        } catch {
                            sink.abandon()
                            throw error
                        }
                    } else {
                        guard isatty(STDOUT_FILENO) == 0 else {
                            throw VaultError.invalidArgument("refusing to write media to a terminal: use -o FILE, --store, or a pipe")
                        }
                        var sink = StdoutMediaSink()
                        summary = try await opened.review(recording, as: unlocked, profile: chosen, streamingTo: &sink, actor: ShellUser.actor)
                    }
                } catch {
                    // The vault reports the transcoder's failure with it as the cause.
                    guard let media = (error as? VaultError)?.cause as? MediaError ?? error as? MediaError else { throw error }
                    throw VaultError.invalidArgument("cannot make a review copy of \(recording): \(media.description)")
                }
                for warning in summary.warnings { note("sessionvault: warning: \(warning)") }
                if json { try printJSON(summary); return }
                if store || output != nil {
                    let facts = summary.facts
                    print("Review copy (\(summary.contentType), \(ByteCount.format(summary.bytes))"
                          + (facts.width.map { ", \($0)x\(facts.height ?? 0)" } ?? "")
                          + (facts.durationSeconds.map { String(format: ", %.1f s", $0) } ?? "") + ")"
                          + (summary.stored.map { " stored as \($0)" } ?? " written to \(output ?? "")"))
                }
            }
        }
    }
}

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe", abstract: "Read a recording's media facts (container, codecs, resolution, duration) and store them in the catalog.")

    @OptionGroup var vault: VaultOptions
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: ArgumentHelp("The recording id.", valueName: "UUID")) var id: RecordingID
    @Option(name: .customLong("as"), help: "The role to decrypt as.") var role: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            let recording = id
            try await vault.withVault { opened in
                _ = try await opened.requireWrap(recording, role: role, actor: ShellUser.actor, purpose: "probe")
                let unlocked = try await opened.unlockRole(role, passphrase: try passphrase.read(purpose: "unlock role '\(role)'"))
                guard let facts = try await opened.probe(recording, as: unlocked, actor: ShellUser.actor) else {
                    print("Not a recognised media stream (WebM, Matroska or Ogg).")
                    return
                }
                if json { try printJSON(facts); return }
                print("container \(facts.container), video \(facts.videoCodec ?? "none")"
                      + (facts.width.map { " \($0)x\(facts.height ?? 0)" } ?? "") + ", audio \(facts.audioCodec ?? "none")"
                      + (facts.audioChannels.map { " \($0) ch" } ?? "") + (facts.audioSampleRate.map { " \($0) Hz" } ?? "")
                      + (facts.durationSeconds.map { String(format: ", %.2f s", $0) } ?? ""))
            }
        }
    }
}

/// Media written to stdout (forward only: a review copy is buffered by the muxer until its header is known).
struct StdoutMediaSink: ByteSink {
    mutating func write(_ bytes: ArraySlice<UInt8>) async throws {
        var sink = FileSink(descriptor: STDOUT_FILENO, name: "stdout")
        try await sink.write(bytes)
    }
}

/// A new file that the muxer may patch (duration, index) once the copy is complete; written as
/// FILE.partial and renamed only on success.
struct RewritableFileSink: MediaRewritableByteSink {
    let file: FileSink

    init(creating path: String) throws { file = try FileSink(creating: path) }

    mutating func write(_ bytes: ArraySlice<UInt8>) async throws {
        var inner = file
        try await inner.write(bytes)
    }

    mutating func rewrite(at offset: Int64, with bytes: [UInt8]) async throws {
        let written = bytes.withUnsafeBytes { pwrite(file.fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard written == bytes.count else { throw VaultError.output(path: file.name, reason: String(cString: strerror(errno))) }
    }

    func commit() throws { try file.commit() }
    func abandon() { file.abandon() }
}
