import ArgumentParser
import Foundation
import SessionVault

/// `--patient-file PATH`: the patient's identifier (an NHS number) read from a file, or from
/// stdin with `-`, beside each command's `--patient`.
///
/// An identifier given as `--patient 9434765919` is visible to every user of the host for as long
/// as the command runs (`ps`, /proc/PID/cmdline) and stays in the shell's history. Read from a
/// file or stdin, it appears in neither. `--patient` is kept for compatibility and says so on stderr.
///
/// The file holds one identifier per line (a command taking one identifier wants exactly one);
/// blank lines and surrounding whitespace are ignored. At most 64 KiB is read.
struct PatientFileOption: ParsableArguments {
    @Option(help: ArgumentHelp("Read the patient identifier(s) from FILE, one a line (- for stdin), so they stay out of `ps` and shell history.",
                               valueName: "FILE"))
    var patientFile: String?

    static let warning = "sessionvault: note: --patient shows the identifier to anyone who can list processes, and leaves it in the shell history; "
        + "use --patient-file FILE (or - for stdin)"

    /// The identifier from `--patient` (`flag`) or `--patient-file`; nil when neither was given.
    func identifier(flag: String?) throws -> String? {
        try identifiers(flag: flag.map { [$0] } ?? []).map { list in
            guard list.count == 1 else {
                throw VaultError.invalidArgument("--patient-file holds \(list.count) identifiers; this command takes one")
            }
            return list[0]
        }
    }

    /// The identifier from `--patient` or `--patient-file`, which must give one.
    func requiredIdentifier(flag: String?) throws -> String {
        guard let identifier = try identifier(flag: flag) else { throw ValidationError("give --patient-file FILE (or --patient)") }
        return identifier
    }

    /// The identifiers of a repeatable `--patient` (`flags`) or of `--patient-file`; nil when neither was given.
    func identifiers(flag flags: [String]) throws -> [String]? {
        if let patientFile {
            guard flags.isEmpty else { throw ValidationError("give --patient or --patient-file, not both") }
            let list = try Self.read(patientFile)
            guard !list.isEmpty else { throw VaultError.input(path: patientFile, reason: "no patient identifier in it") }
            return list
        }
        guard !flags.isEmpty else { return nil }
        note(Self.warning)
        return flags
    }

    static func read(_ path: String) throws -> [String] {
        let handle: FileHandle
        if path == "-" {
            handle = .standardInput
        } else {
            guard let file = FileHandle(forReadingAtPath: path) else {
                throw VaultError.input(path: path, reason: FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file")
            }
            handle = file
        }
        defer { if path != "-" { try? handle.close() } }
        var data = Data()
        while data.count <= 64 << 10, let more = try handle.read(upToCount: 64 << 10), !more.isEmpty { data.append(more) }
        guard data.count <= 64 << 10 else { throw VaultError.input(path: path, reason: "larger than 64 KiB: not a list of patient identifiers") }
        guard let text = String(data: data, encoding: .utf8) else { throw VaultError.input(path: path, reason: "not UTF-8 text") }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
