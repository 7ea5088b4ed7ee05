/// Decides which frames to keep to bring a (possibly variable) frame rate down to at most
/// `maxFrameRate`, from their timestamps: a frame is kept once the previous kept frame's slot has
/// passed, with a quarter-interval tolerance for millisecond rounding.
struct FrameRateReducer {
    private let intervalNs: Int64
    private var nextDueNs: Int64?

    init(maxFrameRate: Int) {
        intervalNs = 1_000_000_000 / Int64(max(1, maxFrameRate))
    }

    mutating func keep(timestampNs: Int64) -> Bool {
        if let due = nextDueNs, timestampNs < due.clampedAdding(-intervalNs / 4) { return false }
        let due = nextDueNs ?? timestampNs
        // After a long pause, restart the schedule at this frame instead of catching up.
        nextDueNs = (timestampNs > due.clampedAdding(intervalNs) ? timestampNs : due).clampedAdding(intervalNs)
        return true
    }
}
