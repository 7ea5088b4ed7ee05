/// What happens to a recording when its retention period ends.
public enum Disposition: String, Sendable, Hashable, Codable, CaseIterable {
    /// Destroyed (crypto-shredded), leaving a metadata stub that proves it existed and was destroyed.
    case destroy
    /// Put before a records officer, who destroys it, keeps it longer with a documented reason,
    /// or transfers it (e.g. to a Place of Deposit).
    case review
}
