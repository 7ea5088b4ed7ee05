public import Retention

/// The text forms a capture date is given in (`ingest --captured`, the upload's `captured`
/// parameter): `YYYY-MM-DD`, or with the local time of day, `YYYY-MM-DDTHH:MM[:SS]`. Retention
/// counts in whole days, so the time is checked and then not kept.
public enum CaptureDate {
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
