// Public: the conformances of the vault's public types below are public.
public import ArgumentParser
import Retention
import SessionVault

// Typed command-line values. Each is parsed once, by its own type's parser, before a command runs;
// a value that does not parse is a usage error that ArgumentParser reports naming the flag and the
// expected form (the `valueName` each option gives), e.g.
// `The value '2026-13-40' is invalid for '--now <YYYY-MM-DD>'`, and exits 64 with nothing changed.
// The conformances live here, in the CLI: no library depends on ArgumentParser.

/// A recording id: `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` or 32 hex digits (``RecordingID/init(_:)``).
extension RecordingID: ExpressibleByArgument {}

/// A calendar day, exactly `YYYY-MM-DD`, read by ``CivilDate/init(_:)``: the one reader of that
/// form in the product, so the CLI, the service and the vault agree on what is a date.
extension CivilDate: ExpressibleByArgument {}

/// The day a session was recorded as `ingest --captured` takes it: `YYYY-MM-DD`, or with the time of
/// day `YYYY-MM-DDTHH:MM[:SS]` (checked, then dropped: retention counts whole days). See `CaptureDate`.
struct CapturedOn: ExpressibleByArgument, Sendable {
    /// The calendar day.
    let day: CivilDate
    /// As given.
    let text: String

    init?(argument: String) {
        guard let day = CaptureDate.parse(argument) else { return nil }
        self.day = day
        text = argument
    }

    var defaultValueDescription: String { text }
}

/// A size as operators write it: `4MiB`, `512KiB`, `8GiB` (or `K`, `M`, `G`, `B`) or a plain byte
/// count, read by `ByteCount.parse`.
struct ByteSize: ExpressibleByArgument, Sendable {
    /// The size in bytes.
    let bytes: Int
    /// As given (shown as the default in help).
    let text: String

    init?(argument: String) {
        guard let bytes = ByteCount.parse(argument) else { return nil }
        self.bytes = bytes
        text = argument
    }

    /// A default written in the source: `text` must be a size `ByteCount.parse` reads as `bytes`.
    init(_ bytes: Int, written text: String) {
        self.bytes = bytes
        self.text = text
    }

    var defaultValueDescription: String { text }
}
