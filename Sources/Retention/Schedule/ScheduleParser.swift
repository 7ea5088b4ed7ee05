internal import TOMLKit

/// Turns TOML text into a ``RetentionSchedule``, collecting every problem with its place and
/// reporting the first one in document order.
struct ScheduleParser {
    struct Problem {
        var path: TOMLPath
        var message: String
        /// A missing key can only be placed at its table's header; anything found in the table
        /// (often the same key misspelt) is reported before it.
        var isMissingKey = false
    }

    private let source: String
    private let lineIndex: TOMLLineIndex
    private(set) var problems: [Problem] = []

    static let scheduleKeys = ["format", "name", "version", "title", "withdrawal-grace"]
    static let classKeys = [
        "title", "rules", "combine", "minimum", "disposition", "withdrawal-shortens", "source", "notes", "derived", "children",
    ]
    static let ruleKeys = ["after", "period"]

    static func parse(toml: String, source: String) throws(RetentionError) -> RetentionSchedule {
        // TOMLKit hands the text to C as a NUL-terminated string: anything after a NUL would be
        // silently dropped, half-applying the file. TOML forbids the character anyway.
        if let nul = toml.utf8.firstIndex(of: 0) {
            let line = toml.utf8[..<nul].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            throw .schedule(
                source: source,
                line: line,
                message: "the file contains a NUL character, which TOML forbids"
            )
        }
        if let problem = TOMLPreflight.problem(in: toml) {
            throw .schedule(source: source, line: problem.line, message: "TOML syntax error: \(problem.message)")
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: toml)
        } catch let error as TOMLParseError {
            let position = error.source.begin
            throw .schedule(
                source: source,
                line: position.line,
                message: "TOML syntax error at column \(position.column): \(error.description)"
            )
        } catch {
            throw .schedule(source: source, line: nil, message: "TOML syntax error: \(error)")
        }
        var parser = ScheduleParser(source: source, lineIndex: TOMLLineIndex(text: toml))
        let schedule = parser.schedule(root)
        if let problem = parser.firstProblem() { throw problem }
        guard let schedule else {
            throw .schedule(source: source, line: nil, message: "not a retention schedule")
        }
        return schedule
    }

    private init(source: String, lineIndex: TOMLLineIndex) {
        self.source = source
        self.lineIndex = lineIndex
    }

    private func firstProblem() -> RetentionError? {
        let placed = problems.enumerated().map { order, problem in
            (
                rank: problem.isMissingKey ? 1 : 0, line: lineIndex.line(of: problem.path), order: order,
                message: problem.message
            )
        }
        let first = placed.min { a, b in
            (a.rank, a.line ?? Int.max, a.order) < (b.rank, b.line ?? Int.max, b.order)
        }
        return first.map { .schedule(source: source, line: $0.line, message: $0.message) }
    }

    mutating func problem(_ path: TOMLPath, _ message: String) {
        problems.append(Problem(path: path, message: message))
    }

    mutating func missing(_ path: TOMLPath, _ message: String) {
        problems.append(Problem(path: path, message: message, isMissingKey: true))
    }

    // MARK: - Tables

    private mutating func schedule(_ root: TOMLTable) -> RetentionSchedule? {
        checkKeys(root, allowed: ["schedule", "class"], at: [], in: "the top level of the schedule")
        let header = table(root, "schedule", at: [], in: "the schedule", required: true)
        let classTable = table(root, "class", at: [], in: "the schedule", required: true)

        var name: String?
        var version: String?
        var title: String?
        var grace: RetentionPeriod?
        if let header {
            let path: TOMLPath = [.key("schedule")]
            let context = "[schedule]"
            checkKeys(header, allowed: Self.scheduleKeys, at: path, in: context)
            if let format = integer(header, "format", at: path, in: context), format != RetentionSchedule.formatVersion
            {
                problem(
                    path + [.key("format")],
                    "[schedule] format \(format) is not supported; this version reads format \(RetentionSchedule.formatVersion)"
                )
            }
            name = identifier(header, "name", at: path, in: context)
            version = string(header, "version", at: path, in: context)
            title = string(header, "title", at: path, in: context, required: false)
            grace = period(header, "withdrawal-grace", at: path, in: context)
        }

        var classes: [RetentionClass] = []
        if let classTable {
            if classTable.isEmpty { problem([.key("class")], "the schedule defines no classes") }
            for id in classTable.keys {
                if let parsed = retentionClass(id, in: classTable) { classes.append(parsed) }
            }
        }

        guard problems.isEmpty, let name, let version, let grace else { return nil }
        do {
            return try RetentionSchedule(
                name: name,
                version: version,
                title: title,
                withdrawalGrace: grace,
                classes: classes
            )
        } catch {
            problem([.key("class")], error.description)
            return nil
        }
    }

    private mutating func retentionClass(_ id: String, in classTable: TOMLTable) -> RetentionClass? {
        let path: TOMLPath = [.key("class"), .key(id)]
        let context = "class \(id)"
        if !Self.isIdentifier(id) {
            problem(
                path,
                "class id \"\(RetentionError.excerpt(id))\" must be lower-case letters, digits and hyphens, starting with a letter"
            )
        }
        guard let body = classTable[id]?.table else {
            problem(path, "class \(id) must be a table ([class.\(id)]), found \(Self.describe(classTable[id]))")
            return nil
        }
        checkKeys(body, allowed: Self.classKeys, at: path, in: context)
        let title = string(body, "title", at: path, in: context)
        let rules = rules(body, at: path, in: context)
        let combine: RuleCombination? = choice(
            body,
            "combine",
            at: path,
            in: context,
            required: (rules?.count ?? 0) > 1
        )
        let minimum = period(body, "minimum", at: path, in: context, required: false)
        let disposition: Disposition? = choice(body, "disposition", at: path, in: context)
        let shortens = boolean(body, "withdrawal-shortens", at: path, in: context)
        let citation = string(body, "source", at: path, in: context)
        let notes = string(body, "notes", at: path, in: context, required: false)
        let derived: DerivedRule? = choice(body, "derived", at: path, in: context, required: false)
        let children = childrenRule(body, at: path, in: context)
        guard let title, let rules, let disposition, let shortens, let citation else { return nil }
        return RetentionClass(
            id: id,
            title: title,
            rules: rules,
            combine: combine ?? .earliest,
            minimum: minimum,
            disposition: disposition,
            withdrawalShortens: shortens,
            source: citation,
            notes: notes,
            derived: derived ?? .allowed,
            children: children
        )
    }

    /// `children = { until-birthday = 25, until-birthday-if-17-at-end = 26, after-death = "8y", source = "..." }`.
    private mutating func childrenRule(_ body: TOMLTable, at classPath: TOMLPath, in context: String) -> ChildrenRule? {
        guard let value = body["children"] else { return nil }
        let path = classPath + [.key("children")]
        let ruleContext = "`children` of \(context)"
        guard let table = value.table else {
            problem(path, "\(ruleContext) must be a table like { until-birthday = 25, until-birthday-if-17-at-end = 26, after-death = \"8y\", "
                    + "source = \"...\" }, found \(Self.describe(value))")
            return nil
        }
        checkKeys(table, allowed: ["until-birthday", "until-birthday-if-17-at-end", "after-death", "source"], at: path, in: ruleContext)
        let until = integer(table, "until-birthday", at: path, in: ruleContext)
        let until17 = integer(table, "until-birthday-if-17-at-end", at: path, in: ruleContext)
        let afterDeath = period(table, "after-death", at: path, in: ruleContext, required: false)
        let citation = string(table, "source", at: path, in: ruleContext)
        guard let until, let until17, let citation else { return nil }
        guard (18...120).contains(until), (until...120).contains(until17) else {
            problem(path, "\(ruleContext): birthdays must be from 18 to 120, and until-birthday-if-17-at-end at least until-birthday")
            return nil
        }
        return ChildrenRule(untilBirthday: until, untilBirthdayIf17AtEnd: until17, afterDeath: afterDeath, source: citation)
    }

    private mutating func rules(_ body: TOMLTable, at classPath: TOMLPath, in context: String) -> [RetentionRule]? {
        let path = classPath + [.key("rules")]
        guard let value = body["rules"] else {
            missing(
                classPath,
                "\(context) is missing `rules`, e.g. rules = [{ after = \"captured\", period = \"90d\" }]"
            )
            return nil
        }
        guard let array = value.array else {
            problem(path, "`rules` in \(context) must be an array of tables, found \(Self.describe(value))")
            return nil
        }
        if array.isEmpty { problem(path, "`rules` in \(context) is empty; a class needs at least one rule") }
        var rules: [RetentionRule] = []
        var seen: Set<RetentionTrigger> = []
        for index in 0..<array.count {
            let rulePath = path + [.index(index)]
            let ruleContext = "rule \(index + 1) of \(context)"
            guard let table = array[index].table else {
                problem(
                    rulePath,
                    "\(ruleContext) must be a table like { after = \"captured\", period = \"90d\" }, found \(Self.describe(array[index]))"
                )
                continue
            }
            checkKeys(table, allowed: Self.ruleKeys, at: rulePath, in: ruleContext)
            let trigger: RetentionTrigger? = choice(table, "after", at: rulePath, in: ruleContext, noun: "trigger")
            let period = period(table, "period", at: rulePath, in: ruleContext)
            guard let trigger, let period else { continue }
            if !seen.insert(trigger).inserted {
                problem(
                    rulePath + [.key("after")],
                    "\(ruleContext) repeats the trigger \(trigger); give each trigger one rule"
                )
            }
            rules.append(RetentionRule(period, after: trigger))
        }
        return rules.count == array.count && !rules.isEmpty ? rules : nil
    }
}
