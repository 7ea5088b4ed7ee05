import ArgumentParser
import Foundation
import SessionVault
import VaultIndex

struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request", abstract: "The register of subject-access (SAR) and FOI requests, with statutory due dates.",
        subcommands: [Add.self, List.self, Close.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a request: SAR due in one calendar month (3 with --extended), FOI in 20 working days.")
        @OptionGroup var vault: VaultOptions
        @Option(name: .customLong("type"), help: "sar or foi.") var kind: String
        @Option(help: ArgumentHelp("The day the request was received.", valueName: "YYYY-MM-DD")) var received: String
        @Option(help: "Your reference (no patient identifiers).") var ref: String?
        @Flag(help: "A complex SAR extended by two months (the requester must be told within the first month).") var extended = false

        func run() async throws {
            try await reportingErrors {
                guard let type = RequestRecord.Kind(rawValue: kind) else { throw VaultError.invalidArgument("--type must be sar or foi") }
                let record = try await vault.open().addRequest(kind: type, received: received, extended: extended, reference: ref)
                print("Registered \(type.rawValue.uppercased()) request \(record.id ?? 0): received \(record.receivedOn), due \(record.dueOn)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List open requests and what is overdue (--all for closed ones).")
        @OptionGroup var vault: VaultOptions
        @Flag(help: "Include closed requests.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let opened = try await vault.open()
                let rows = try await opened.catalog.requests(openOnly: !all)
                let today = ISO8601DateFormatter.civil.string(from: Date())
                if json { try printJSON(rows); return }
                if rows.isEmpty { print("No requests."); return }
                printTable(header: ["ID", "TYPE", "RECEIVED", "DUE", "STATUS", "REF"], rows: rows.map { r in
                    let status = r.closedOn.map { "closed \($0)" } ?? (r.dueOn < today ? "OVERDUE" : "open")
                    return [String(r.id ?? 0), r.kind.rawValue, r.receivedOn, r.dueOn, status, r.reference ?? ""]
                })
                let overdue = rows.filter { $0.closedOn == nil && $0.dueOn < today }.count
                if overdue > 0 { print("\(overdue) overdue") }
            }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark a request answered.")
        @OptionGroup var vault: VaultOptions
        @Argument(help: "The request id.") var id: Int64

        func run() async throws {
            try await reportingErrors {
                let today = ISO8601DateFormatter.civil.string(from: Date())
                try await vault.open().catalog.closeRequest(id, on: today, audit: AuditDraft(actor: Vault.defaultActor, action: "request.close",
                                                                                             target: "request:\(id)"))
                print("Closed request \(id)")
            }
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Answer subject-access and FOI requests.", subcommands: [FOI.self])

    struct FOI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "foi",
            abstract: "Aggregate figures for an FOI answer: no identifiers, counts of 1-4 shown as <5.",
            discussion: "Recordings made by class, consents and withdrawals by scope, destructions by class, accesses and refusals by role, requests by type; per month.")
        @OptionGroup var vault: VaultOptions
        @Option(help: ArgumentHelp("First day.", valueName: "YYYY-MM-DD")) var from: String
        @Option(help: ArgumentHelp("Last day (inclusive).", valueName: "YYYY-MM-DD")) var to: String
        @Option(help: ArgumentHelp("Write CSV here (default: stdout).", valueName: "FILE.csv")) var out: String?
        @Flag(help: "Print JSON instead of CSV.") var json = false

        func run() async throws {
            try await reportingErrors {
                let report = try await vault.open().foiReport(from: from, to: to)
                if json {
                    try printJSON(report)
                } else if let out {
                    do { try Data(report.csv().utf8).write(to: URL(fileURLWithPath: out), options: .withoutOverwriting) } catch {
                        throw VaultError.output(path: out, reason: (error as NSError).localizedDescription)
                    }
                    print("Wrote \(report.figures.count) figures to \(out)")
                } else {
                    print(report.csv(), terminator: "")
                }
            }
        }
    }
}
