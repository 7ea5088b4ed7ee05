import Foundation
import Retention

/// Schedule texts and files for the parser tests.
enum ScheduleFixtures {
    /// The repository's `retention/` folder, found from this file's path (through the dev
    /// package's symlinks too).
    static var retentionFolder: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("retention")
    }

    static func shippedScheduleText(_ name: String = "nhs-mental-health") throws -> String {
        try String(contentsOf: retentionFolder.appendingPathComponent("\(name).toml"), encoding: .utf8)
    }

    /// A small valid schedule; tests break one line of it at a time.
    static let minimal = """
        [schedule]
        format = 1
        name = "minimal"
        version = "1"
        withdrawal-grace = "14d"

        [class.care]
        title = "Care"
        rules = [
            { after = "last-contact", period = "20y" },
            { after = "death", period = "10y" },
        ]
        combine = "earliest"
        disposition = "review"
        withdrawal-shortens = false
        source = "NHS RM Code"

        [class.supervision]
        title = "Supervision"
        rules = [{ after = "captured", period = "90d" }]
        disposition = "destroy"
        withdrawal-shortens = true
        source = "Local policy"
        """

    /// `minimal` with the first occurrence of `old` replaced by `new`.
    static func minimal(replacing old: String, with new: String) -> String {
        guard let range = minimal.range(of: old) else { preconditionFailure("fixture has no \(old)") }
        return minimal.replacingCharacters(in: range, with: new)
    }
}
