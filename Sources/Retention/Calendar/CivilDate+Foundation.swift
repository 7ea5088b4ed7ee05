public import struct Foundation.Date

extension CivilDate {
    private static let secondsPerDay = 86_400.0

    /// The UTC calendar day on which `date` falls.
    ///
    /// Only the UTC day is taken, so the same instant gives the same `CivilDate` whatever the
    /// machine's time zone. Instants outside ``min``…``max`` saturate there.
    public init(_ date: Date) {
        let days = (date.timeIntervalSince1970 / Self.secondsPerDay).rounded(.down)
        let limit = Double(Self.max.daysSince1970 + 1)
        guard days.isFinite else {
            self = days > 0 ? .max : .min
            return
        }
        self.init(daysSince1970: Int(Swift.min(Swift.max(days, -limit), limit)))
    }

    /// Midnight UTC at the start of this day.
    public var startOfDayUTC: Date {
        Date(timeIntervalSince1970: Double(daysSince1970) * Self.secondsPerDay)
    }
}
