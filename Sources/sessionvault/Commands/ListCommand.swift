import ArgumentParser
import Foundation
import Media
import Retention
import SessionVault

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List recordings, optionally by patient, clinician, retention class or date.",
        discussion: "--patient needs the vault passphrase (to compute the patient's pseudonym).")

    @OptionGroup var vault: VaultOptions
    @OptionGroup var passphrase: PassphraseOptions
    @Option(help: "Only this patient's recordings (identifier, e.g. NHS number; visible in `ps`: prefer --patient-file).") var patient: String?
    @OptionGroup var patientFile: PatientFileOption
    @OptionGroup var officer: OfficerOptions
    @Option(help: "Only recordings by this clinician.") var clinician: String?
    @Option(name: .customLong("class"), help: "Only this retention class.") var retentionClass: String?
    @Option(help: ArgumentHelp("Only recordings made on or after this date.", valueName: "YYYY-MM-DD")) var since: CivilDate?
    @Option(help: "Only this session.") var session: String?
    @Flag(help: "Print JSON.") var json = false

    struct Row: Encodable {
        var id: String
        var createdAt: Date
        var session: String
        var patient: String
        var clinician: String
        var retentionClass: String
        var mediaType: String
        var byteCount: Int64
        var chunkCount: Int
        var dueOn: CivilDate?
        var source: String?
        var media: MediaFacts?
    }

    func run() async throws {
        try await reportingErrors {
            try await vault.withVault { opened in
                var filter = RecordingFilter(clinician: clinician, session: session, retentionClass: retentionClass)
                if let patient = try patientFile.identifier(flag: self.patient) {
                    filter.patient = try await officer.pseudonym(opened, of: patient) { try passphrase.read(purpose: "look up a patient") }
                }
                filter.since = since?.startOfDayUTC
                let rows = try await opened.recordings(matching: filter).map { r in
                    Row(id: r.id.description, createdAt: r.createdAt, session: r.session, patient: r.patient, clinician: r.clinician,
                        retentionClass: r.retentionClass, mediaType: r.mediaType, byteCount: r.byteCount, chunkCount: r.chunkCount,
                        dueOn: r.dueOn, source: r.sourceID?.description,
                        media: r.mediaFacts)
                }
                if json { try printJSON(rows); return }
                if rows.isEmpty { print("No recordings match."); return }
                let header = ["ID", "CREATED (UTC)", "SESSION", "PATIENT", "CLINICIAN", "CLASS", "SIZE", "TYPE", "DUE"]
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
                let table = rows.map { row in
                    [row.id, formatter.string(from: row.createdAt), row.session, String(row.patient.prefix(12)), row.clinician, row.retentionClass,
                     ByteCount.format(row.byteCount), row.mediaType, row.dueOn?.description ?? "-"]
                }
                printTable(header: header, rows: table)
            }
        }
    }
}

/// Prints aligned columns.
func printTable(header: [String], rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, cell in i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ")
    }
    print(line(header))
    for row in rows { print(line(row)) }
}
