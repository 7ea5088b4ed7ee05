import Foundation

/// The ISO 8601 instants S3 writes (`2026-11-29T04:21:24Z`, `2026-11-29T04:21:24.000Z`) and reads
/// (Object Lock retain-until dates).
enum S3Timestamp {
    /// `YYYY-MM-DDTHH:MM:SSZ` in UTC, rounded up to the whole second so that a retention date
    /// is never earlier than the one asked for.
    static func string(roundingUp date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.up)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    /// Parses either form; nil if neither fits.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
