/// The patient-level events that move retention due dates (`patient event P --last-contact D`,
/// `--discharged D`, `--died D`); `nil` while an event has not happened or is not known.
public struct PatientEvents: Sendable, Hashable, Codable {
    /// The patient's last contact with the service.
    public var lastContact: CivilDate?
    /// The patient's discharge from the service.
    public var discharged: CivilDate?
    /// The patient's death.
    public var died: CivilDate?
    /// The month the patient was born in, if recorded (for the children's rule).
    public var bornIn: BirthMonth?

    /// Events as known; all `nil` by default.
    public init(lastContact: CivilDate? = nil, discharged: CivilDate? = nil, died: CivilDate? = nil, bornIn: BirthMonth? = nil) {
        self.lastContact = lastContact
        self.discharged = discharged
        self.died = died
        self.bornIn = bornIn
    }
}
