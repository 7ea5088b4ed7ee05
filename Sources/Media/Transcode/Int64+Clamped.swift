extension Int64 {
    /// `self + other`, held at the bounds instead of overflowing (hostile timestamps).
    func clampedAdding(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// The duration in nanoseconds of `self` samples at 48 kHz, without overflowing.
    var samplesAsNs: Int64 {
        let (whole, overflow) = (self / 48_000).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole.clampedAdding(self % 48_000 * 1_000_000_000 / 48_000)
    }
}
