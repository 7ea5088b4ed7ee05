/// The event from which a retention period is counted.
public enum RetentionTrigger: String, Sendable, Hashable, Codable, CaseIterable {
    /// The day the recording was captured; always known.
    case captured
    /// The day consent for the recording's purpose was given, or last renewed.
    case consent
    /// The patient's last contact with the service. A recorded discharge counts as a contact on
    /// its day, so this is the later of the last-contact and discharge events.
    case lastContact = "last-contact"
    /// The patient's discharge from the service.
    case discharge
    /// The patient's death.
    case death
}

extension RetentionTrigger: CustomStringConvertible {
    /// The name used in schedule files, e.g. `last-contact`.
    public var description: String { rawValue }
}
