/// What a schedule needs to know about one recording to decide its retention.
public struct RecordingRetentionFacts: Sendable, Hashable {
    /// The retention class of the recording, e.g. `care`.
    public var classID: String
    /// The day the recording was captured.
    public var capturedAt: CivilDate
    /// The day consent for the recording's purpose was given, or last renewed; `nil` if none
    /// is recorded (a `consent` rule then waits).
    public var consentDate: CivilDate?
    /// The day the last consent scope that justified the recording was withdrawn; `nil` while
    /// some scope remains.
    public var consentWithdrawnAt: CivilDate?
    /// The patient's events.
    public var events: PatientEvents
    /// Whether a legal hold, inquiry moratorium or litigation hold covers the recording.
    public var onHold: Bool

    /// Facts about one recording.
    public init(
        classID: String,
        capturedAt: CivilDate,
        consentDate: CivilDate? = nil,
        consentWithdrawnAt: CivilDate? = nil,
        events: PatientEvents = PatientEvents(),
        onHold: Bool = false
    ) {
        self.classID = classID
        self.capturedAt = capturedAt
        self.consentDate = consentDate
        self.consentWithdrawnAt = consentWithdrawnAt
        self.events = events
        self.onHold = onHold
    }
}
