internal import TOMLKit

/// Turns TOML text into a ``RetentionSchedule``, collecting every problem with its place and
/// reporting the first one in document order.
struct ScheduleParser {
    private struct Problem {
        var path: TOMLPath
        var message: String
    }

    private let source: String
    private let lineIndex: TOMLLineIndex
    private var problems: [Problem] = []

    static let scheduleKeys = ["format", "name", "version", "title", "withdrawal-grace"]
    static let classKeys = [
        "title", "rules", "combine", "minimum", "disposition", "withdrawal-shortens", "source", "notes",
    ]
    static let ruleKeys = ["after", "period"]

    static func parse(toml: String, source: String) throws(RetentionError) -> RetentionSchedule {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: toml)
        } catch let error as TOMLParseError {
            let position = error.source.begin
            throw .schedule(
                source: source, line: position.line,
                message: "TOML syntax error at column \(position.column): \(error.description)")
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
            (order: order, line: lineIndex.line(of: problem.path), message: problem.message)
        }
        let first = placed.min { a, b in (a.line ?? Int.max, a.order) < (b.line ?? Int.max, b.order) }
        return first.map { .schedule(source: source, line: $0.line, message: $0.message) }
    }

    private mutating func problem(_ path: TOMLPath, _ message: String) {
        problems.append(Problem(path: path, message: message))
    }

    // MARK: - Tables

    private mutating func schedule(_ root: TOMLTable) -> RetentionSchedule? {
        checkKeys(root, allowed: ["schedule", "class"], at: [], in: "the top level of the schedule")
        let header = table(root, "schedule", at: [], in: "the schedule", required: true)
        let classTable = table(root, "class", at: [], in: "the schedule", required: true)

        var name: String?, version: String?, title: String?, grace: RetentionPeriod?
        if let header {
            let path: TOMLPath = [.key("schedule")]
            let context = "[schedule]"
            checkKeys(header, allowed: Self.scheduleKeys, at: path, in: context)
            if let format = integer(header, "format", at: path, in: context), format != RetentionSchedule.formatVersion {
                problem(
                    path + [.key("format")],
                    "[schedule] format \(format) is not supported; this version reads format \(RetentionSchedule.formatVersion)")
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
            return try RetentionSchedule(name: name, version: version, title: title, withdrawalGrace: grace, classes: classes)
        } catch {
            problem([.key("class")], error.description)
            return nil
        }
    }

    private mutating func retentionClass(_ id: String, in classTable: TOMLTable) -> RetentionClass? {
        let path: TOMLPath = [.key("class"), .key(id)]
        let context = "class \(id)"
        if !Self.isIdentifier(id) {
            problem(path, "class id \"\(RetentionError.excerpt(id))\" must be lower-case letters, digits and hyphens, starting with a letter")
        }
        guard let body = classTable[id]?.table else {
            problem(path, "class \(id) must be a table ([class.\(id)]), found \(Self.describe(classTable[id]))")
            return nil
        }
        checkKeys(body, allowed: Self.classKeys, at: path, in: context)
        let title = string(body, "title", at: path, in: context)
        let rules = rules(body, at: path, in: context)
        let combine: RuleCombination? = choice(body, "combine", at: path, in: context, required: (rules?.count ?? 0) > 1)
        let minimum = period(body, "minimum", at: path, in: context, required: false)
        let disposition: Disposition? = choice(body, "disposition", at: path, in: context)
        let shortens = boolean(body, "withdrawal-shortens", at: path, in: context)
        let citation = string(body, "source", at: path, in: context)
        let notes = string(body, "notes", at: path, in: context, required: false)
        guard let title, let rules, let disposition, let shortens, let citation else { return nil }
        return RetentionClass(
            id: id, title: title, rules: rules, combine: combine ?? .earliest, minimum: minimum,
            disposition: disposition, withdrawalShortens: shortens, source: citation, notes: notes)
    }

    private mutating func rules(_ body: TOMLTable, at classPath: TOMLPath, in context: String) -> [RetentionRule]? {
        let path = classPath + [.key("rules")]
        guard let value = body["rules"] else {
            problem(classPath, "\(context) is missing `rules`, e.g. rules = [{ after = \"captured\", period = \"90d\" }]")
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
                problem(rulePath, "\(ruleContext) must be a table like { after = \"captured\", period = \"90d\" }, found \(Self.describe(array[index]))")
                continue
            }
            checkKeys(table, allowed: Self.ruleKeys, at: rulePath, in: ruleContext)
            let trigger: RetentionTrigger? = choice(table, "after", at: rulePath, in: ruleContext, noun: "trigger")
            let period = period(table, "period", at: rulePath, in: ruleContext)
            guard let trigger, let period else { continue }
            if !seen.insert(trigger).inserted {
                problem(rulePath + [.key("after")], "\(ruleContext) repeats the trigger \(trigger); give each trigger one rule")
            }
            rules.append(RetentionRule(period, after: trigger))
        }
        return rules.count == array.count && !rules.isEmpty ? rules : nil
    }

    // MARK: - Values

    private mutating func checkKeys(_ table: TOMLTable, allowed: [String], at path: TOMLPath, in context: String) {
        for key in table.keys where !allowed.contains(key) {
            problem(path + [.key(key)], "unknown key `\(RetentionError.excerpt(key))` in \(context); expected one of: \(allowed.joined(separator: ", "))")
        }
    }

    private mutating func table(
        _ parent: TOMLTable, _ key: String, at path: TOMLPath, in context: String, required: Bool
    ) -> TOMLTable? {
        guard let value = parent[key] else {
            if required { problem(path, "\(context) is missing the [\(key)] table") }
            return nil
        }
        guard let table = value.table else {
            problem(path + [.key(key)], "`\(key)` must be a table, found \(Self.describe(value))")
            return nil
        }
        return table
    }

    private mutating func value(
        _ table: TOMLTable, _ key: String, at path: TOMLPath, in context: String, required: Bool
    ) -> (any TOMLValueConvertible)? {
        let value = table[key]
        if value == nil, required { problem(path, "\(context) is missing `\(key)`") }
        return value
    }

    private mutating func string(
        _ table: TOMLTable, _ key: String, at path: TOMLPath, in context: String, required: Bool = true
    ) -> String? {
        guard let value = value(table, key, at: path, in: context, required: required) else { return nil }
        guard let text = value.string else {
            problem(path + [.key(key)], "`\(key)` in \(context) must be a string, found \(Self.describe(value))")
            return nil
        }
        guard !text.allSatisfy(\.isWhitespace) else {
            problem(path + [.key(key)], "`\(key)` in \(context) is empty")
            return nil
        }
        return text
    }

    private mutating func identifier(_ table: TOMLTable, _ key: String, at path: TOMLPath, in context: String) -> String? {
        guard let text = string(table, key, at: path, in: context) else { return nil }
        guard Self.isIdentifier(text) else {
            problem(path + [.key(key)], "`\(key)` in \(context) must be lower-case letters, digits and hyphens, starting with a letter")
            return nil
        }
        return text
    }

    private mutating func integer(_ table: TOMLTable, _ key: String, at path: TOMLPath, in context: String) -> Int? {
        guard let value = value(table, key, at: path, in: context, required: true) else { return nil }
        guard let number = value.int else {
            problem(path + [.key(key)], "`\(key)` in \(context) must be an integer, found \(Self.describe(value))")
            return nil
        }
        return number
    }

    private mutating func boolean(_ table: TOMLTable, _ key: String, at path: TOMLPath, in context: String) -> Bool? {
        guard let value = value(table, key, at: path, in: context, required: true) else { return nil }
        guard let flag = value.bool else {
            problem(path + [.key(key)], "`\(key)` in \(context) must be true or false, found \(Self.describe(value))")
            return nil
        }
        return flag
    }

    private mutating func period(
        _ table: TOMLTable, _ key: String, at path: TOMLPath, in context: String, required: Bool = true
    ) -> RetentionPeriod? {
        guard let value = value(table, key, at: path, in: context, required: required) else { return nil }
        guard let text = value.string else {
            problem(path + [.key(key)], "`\(key)` in \(context) must be a period string like \"20y\", \"6m\", \"30d\" or \"1y6m\", found \(Self.describe(value))")
            return nil
        }
        do {
            return try RetentionPeriod.parse(text)
        } catch {
            problem(path + [.key(key)], "`\(key)` in \(context): \(error.description)")
            return nil
        }
    }

    private mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ table: TOMLTable, _ key: String, at path: TOMLPath, in context: String, required: Bool = true,
        noun: String? = nil
    ) -> Choice? where Choice.RawValue == String {
        guard let value = value(table, key, at: path, in: context, required: required) else { return nil }
        let options = Choice.allCases.map(\.rawValue).joined(separator: ", ")
        guard let text = value.string else {
            problem(path + [.key(key)], "`\(key)` in \(context) must be a string, one of: \(options); found \(Self.describe(value))")
            return nil
        }
        guard let parsed = Choice(rawValue: text) else {
            problem(path + [.key(key)], "unknown \(noun ?? "`\(key)`") \"\(RetentionError.excerpt(text))\" in \(context); expected one of: \(options)")
            return nil
        }
        return parsed
    }

    // MARK: - Helpers

    /// Lower-case letters, digits and hyphens, starting with a letter, at most 64 characters.
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 64,
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first)
        else { return false }
        return text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
    }

    private static func describe(_ value: (any TOMLValueConvertible)?) -> String {
        guard let value else { return "nothing" }
        return switch value.type {
        case .table: "a table"
        case .array: "an array"
        case .string: "a string"
        case .int: "an integer"
        case .double: "a number"
        case .bool: "a boolean"
        case .date: "a date"
        case .time: "a time"
        case .dateTime: "a date-time"
        }
    }
}
