/// The information UK GDPR Art. 15(1)-(2) requires beside the copy of the data: purposes,
/// categories, recipients, retention, the other rights, the right to complain to the ICO, the
/// source and automated decision-making. Written into every subject-access bundle (index and
/// manifest). The defaults suit an NHS mental-health service; a service sets its own wording in
/// `config.toml` under `[subject_access]` (one key per field, each optional).
public struct SubjectAccessNotice: Sendable, Equatable, Codable {
    /// Who the controller is and how to reach its data protection officer.
    public var controller: String
    public var purposes: String
    public var categories: String
    public var recipients: String
    public var retention: String
    public var rights: String
    public var complaints: String
    public var source: String
    public var automatedDecisions: String

    /// The `config.toml` keys, in the order the bundle shows them.
    public static let keys = ["controller", "purposes", "categories", "recipients", "retention", "rights", "complaints", "source",
                              "automated_decisions"]

    /// Each field with its `config.toml` key and the heading the bundle's index gives it, in order.
    public var sections: [(key: String, heading: String, text: String)] {
        [("controller", "Who holds your recordings", controller),
         ("purposes", "Why we hold them", purposes),
         ("categories", "What we hold", categories),
         ("recipients", "Who sees them", recipients),
         ("retention", "How long we keep them", retention),
         ("rights", "Your other rights", rights),
         ("complaints", "If you are unhappy", complaints),
         ("source", "Where the information comes from", source),
         ("automated_decisions", "Automated decisions", automatedDecisions)]
    }

    /// Sets the field of a `config.toml` key; false for an unknown key.
    mutating func set(_ key: String, _ text: String) -> Bool {
        switch key {
        case "controller": controller = text
        case "purposes": purposes = text
        case "categories": categories = text
        case "recipients": recipients = text
        case "retention": retention = text
        case "rights": rights = text
        case "complaints": complaints = text
        case "source": source = text
        case "automated_decisions": automatedDecisions = text
        default: return false
        }
        return true
    }

    public static let nhsMentalHealthDefault = SubjectAccessNotice(
        controller: "The NHS mental-health service that cares for you is the controller of these recordings. "
            + "Its Data Protection Officer can be contacted through the service's records or information governance team.",
        purposes: "Your sessions were recorded for the purposes you consented to: as part of your care (the recording is part of your "
            + "clinical record) and, only where you agreed, for clinical supervision, teaching and training, assessment or research. "
            + "The purpose of each recording is shown beside it.",
        categories: "Video and audio recordings of your sessions, which are health data (special category data); the consent you gave "
            + "and withdrew; when each recording was made and how long it is kept; who accessed the recordings, when and why; "
            + "and records of recordings that were destroyed.",
        recipients: "The recordings are seen by the staff involved in your care and, for the other purposes, only by the staff "
            + "those purposes need (your therapist's supervisor, trainers, assessors or researchers) under your consent. "
            + "Every access is logged: the access log in this bundle lists them. They are not sent outside the UK.",
        retention: "Recordings that are part of your clinical record are kept as long as the record: for mental-health records, "
            + "20 years after your care ends, or 10 years after death (NHS England Records Management Code of Practice). "
            + "Recordings for supervision, training or research are kept for shorter, locally set periods, or until you withdraw "
            + "your consent. Where a date depends on the end of your care it is shown as not yet decided. A recording under a "
            + "legal hold is kept until the hold ends.",
        rights: "You have the right to ask us to correct (rectify) inaccurate information, to erase it, to restrict how we use it, "
            + "and to object to how we use it. Some of these rights are limited for health records we must keep; we will explain "
            + "if one does not apply. You can withdraw consent to supervision, training or research use at any time.",
        complaints: "If you are unhappy with how we have handled your information, please contact us first. You also have the right "
            + "to complain to the Information Commissioner's Office (ICO): ico.org.uk, telephone 0303 123 1113.",
        source: "The recordings were made by the service during your sessions; the consent records were made by the staff who "
            + "asked for your consent.",
        automatedDecisions: "No decisions about you are made by automated means, and there is no profiling.")
}
