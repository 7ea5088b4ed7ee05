// A sweep as of a later day, for the test suites that need a recording's whole life in one run
// (the soak's far-future sweep, the sweep crash tests' checks). Not part of the product: the
// shipped CLI sweeps only as of today. It injects a clock, as the library's own tests do.
//
//   test-sweep-as-of --vault DIR --as-of YYYY-MM-DD [--json]
import Foundation
import SessionVault

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("test-sweep-as-of: \(message)\n".utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var directory: String? = ProcessInfo.processInfo.environment["SESSIONVAULT_DIR"]
var day: String? = nil
var json = false
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    switch argument {
    case "--vault": directory = arguments.isEmpty ? nil : arguments.removeFirst()
    case "--as-of": day = arguments.isEmpty ? nil : arguments.removeFirst()
    case "--json": json = true
    default: fail("unknown argument '\(argument)' (usage: --vault DIR --as-of YYYY-MM-DD [--json])")
    }
}
guard let day, let date = CaptureDate.parse(day)?.startOfDayUTC.addingTimeInterval(12 * 3600) else { fail("--as-of YYYY-MM-DD is required") }
do {
    let vault = try await Vault.open(at: VaultLayout.resolve(directory), clock: { date })
    let report = try await vault.sweep(actor: "sweeper")
    await vault.close()
    if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        FileHandle.standardOutput.write(try encoder.encode(report))
    } else {
        print("Sweep as of \(report.today): destroyed \(report.destroyed), finished \(report.resumed), queued \(report.queuedForReview)")
    }
} catch {
    fail("\(error)")
}
