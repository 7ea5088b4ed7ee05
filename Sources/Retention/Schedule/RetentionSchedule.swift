/// A complete retention schedule: the classes of recording a vault keeps and how long each is
/// kept. Read from a TOML file with ``parse(toml:source:)`` (the format is documented in
/// `retention/README.md`); either the whole file is valid and a schedule is returned, or nothing
/// is.
public struct RetentionSchedule: Sendable, Hashable {
    /// The schedule's name, e.g. `nhs-mental-health`.
    public var name: String
    /// The schedule's own version, e.g. `2025.1`, recorded with each decision it makes.
    public var version: String
    /// A one-line description.
    public var title: String?
    /// How long after the last justifying consent is withdrawn a recording of a class that
    /// ``RetentionClass/withdrawalShortens`` is kept (for example to let backups rotate).
    public var withdrawalGrace: RetentionPeriod
    /// The classes, by id.
    public var classes: [String: RetentionClass]

    /// A schedule of the given classes.
    ///
    /// - Throws: ``RetentionError/schedule(source:line:message:)`` when two classes share an id
    ///   or a class has no rules.
    public init(
        name: String,
        version: String,
        title: String? = nil,
        withdrawalGrace: RetentionPeriod,
        classes: [RetentionClass]
    ) throws(RetentionError) {
        var byID: [String: RetentionClass] = [:]
        for retentionClass in classes {
            guard !retentionClass.rules.isEmpty else {
                throw .schedule(source: name, line: nil, message: "class \(retentionClass.id) has no rules")
            }
            guard byID.updateValue(retentionClass, forKey: retentionClass.id) == nil else {
                throw .schedule(source: name, line: nil, message: "class \(retentionClass.id) is defined twice")
            }
        }
        self.name = name
        self.version = version
        self.title = title
        self.withdrawalGrace = withdrawalGrace
        self.classes = byID
    }

    /// The class with the given id.
    ///
    /// - Throws: ``RetentionError/unknownClass(_:known:)`` listing the ids the schedule defines.
    public func retentionClass(_ id: String) throws(RetentionError) -> RetentionClass {
        guard let found = classes[id] else { throw .unknownClass(id, known: classes.keys.sorted()) }
        return found
    }

    /// Whether the disposition of `decision` may be carried out on `today` (see
    /// ``RetentionDecision/isDue(on:)``).
    public func isDue(_ decision: RetentionDecision, on today: CivilDate) -> Bool {
        decision.isDue(on: today)
    }
}
