public import Retention

/// The text forms a capture date is given in (`ingest --captured`, the upload's `captured`
/// parameter): `YYYY-MM-DD`, or with the local time of day, `YYYY-MM-DDTHH:MM[:SS]`. Retention
/// counts in whole days, so the time is checked and then not kept.
public enum CaptureDate {
    /// A media creation time before this day is taken for a recorder's unset clock, not a capture date.
    public static let earliestPlausible = CivilDate(daysSince1970: 10_957)  // 2000-01-01

    /// The calendar date of `text`, or nil if it is not one of the forms above or names a day or
    /// time that does not exist.
    public static func parse(_ text: String) -> CivilDate? {
        let parts = text.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        guard let date = CivilDate(String(parts[0])) else { return nil }
        guard parts.count == 2 else { return date }
        let time = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard time.count == 2 || time.count == 3,
              time.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let hour = Int(time[0]), let minute = Int(time[1]), hour < 24, minute < 60,
              time.count == 2 || Int(time[2])! < 60
        else { return nil }
        return date
    }
}

/// Where a recording's capture date came from.
public enum CaptureSource: String, Sendable, Codable {
    /// `ingest --captured` or the upload's `captured` parameter.
    case given
    /// The media's own creation time (WebM/Matroska DateUTC).
    case media
    /// Nothing said: the day of the upload.
    case uploadDay = "upload-day"
}
