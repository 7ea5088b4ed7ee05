import Retention
import Testing

@Suite("Parsing schedules")
struct ScheduleParserTests {
    func parse(_ text: String) throws(RetentionError) -> RetentionSchedule {
        try RetentionSchedule.parse(toml: text, source: "test.toml")
    }

    /// Expects `text` to be refused at `line` with a message containing `fragment`.
    func expectRefused(
        _ text: String,
        line: Int?,
        _ fragment: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let schedule = try parse(text)
            Issue.record("accepted a bad schedule: \(schedule.name)", sourceLocation: sourceLocation)
        } catch {
            guard case .schedule(let source, let errorLine, let message) = error else {
                Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(source == "test.toml", sourceLocation: sourceLocation)
            #expect(errorLine == line, "\(error)", sourceLocation: sourceLocation)
            #expect(message.contains(fragment), "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("reads a valid schedule completely")
    func readsAValidSchedule() throws {
        let schedule = try parse(ScheduleFixtures.minimal)
        #expect(schedule.name == "minimal" && schedule.version == "1" && schedule.title == nil)
        #expect(schedule.withdrawalGrace == RetentionPeriod(days: 14))
        #expect(schedule.classes.keys.sorted() == ["care", "supervision"])
        let care = try schedule.retentionClass("care")
        #expect(
            care.rules == [
                RetentionRule(period("20y"), after: .lastContact), RetentionRule(period("10y"), after: .death),
            ]
        )
        #expect(care.combine == .earliest && care.disposition == .review && !care.withdrawalShortens)
        #expect(care.minimum == nil && care.source == "NHS RM Code" && care.notes == nil)
        let supervision = try schedule.retentionClass("supervision")
        #expect(supervision.rules == [RetentionRule(period("90d"), after: .captured)] && supervision.withdrawalShortens)
    }

    @Test("reads rules written as [[class.id.rules]] tables and optional keys")
    func readsArrayOfTablesAndOptionalKeys() throws {
        let text = """
            [schedule]
            format = 1
            name = "tables"
            version = "2"
            title = "Tables"
            withdrawal-grace = "0d"

            [class.training]
            title = "Training"
            combine = "latest"
            minimum = "1m"
            disposition = "review"
            withdrawal-shortens = true
            source = "Local"
            notes = '''
            Long notes.'''

            [[class.training.rules]]
            after = "consent"
            period = "3y"

            [[class.training.rules]]
            after = "captured"
            period = "1y6m"
            """
        let training = try parse(text).retentionClass("training")
        #expect(
            training.rules == [
                RetentionRule(period("3y"), after: .consent), RetentionRule(period("1y6m"), after: .captured),
            ]
        )
        #expect(training.combine == .latest && training.minimum == period("1m") && training.notes == "Long notes.")
    }

    @Test("a TOML syntax error gives its line and column")
    func syntaxError() {
        expectRefused(
            ScheduleFixtures.minimal(replacing: #"version = "1""#, with: #"version = "1"#),
            line: 4,
            "TOML syntax error at column"
        )
        expectRefused(
            ScheduleFixtures.minimal(replacing: "withdrawal-shortens = false", with: "withdrawal-shortens = nope"),
            line: 15,
            "TOML syntax error"
        )
    }

    @Test("a NUL character is refused rather than cutting the file short")
    func nulCharacter() {
        expectRefused(
            ScheduleFixtures.minimal(replacing: "[class.supervision]", with: "\0[class.supervision]"),
            line: 18,
            "NUL"
        )
    }

    @Test("a class defined twice is a syntax error at the second definition")
    func duplicateClass() {
        let text = ScheduleFixtures.minimal + "\n\n[class.care]\ntitle = \"again\"\n"
        expectRefused(text, line: 25, "TOML syntax error")
    }

    @Test("an unknown key is refused at its own line, listing the expected keys")
    func unknownKey() {
        expectRefused(
            ScheduleFixtures.minimal(replacing: #"source = "Local policy""#, with: #"sorce = "Local policy""#),
            line: 23,
            "unknown key `sorce` in class supervision; expected one of: title, rules,"
        )
        expectRefused(
            ScheduleFixtures.minimal(replacing: #"name = "minimal""#, with: "name = \"minimal\"\nowner = \"x\""),
            line: 4,
            "unknown key `owner` in [schedule]"
        )
        expectRefused(
            ScheduleFixtures.minimal + "\n[extras]\nx = 1\n",
            line: 24,
            "unknown key `extras` in the top level"
        )
    }

    @Test("an unknown key inside a rule is refused at the rule's line")
    func unknownRuleKey() {
        expectRefused(
            ScheduleFixtures.minimal(
                replacing: #"{ after = "death", period = "10y" }"#,
                with: #"{ after = "death", period = "10y", note = "x" }"#
            ),
            line: 11,
            "unknown key `note` in rule 2 of class care; expected one of: after, period"
        )
    }

    @Test("a bad duration is refused at its line with the expected form")
    func badDuration() {
        expectRefused(
            ScheduleFixtures.minimal(replacing: #"period = "10y""#, with: #"period = "10 years""#),
            line: 11,
            #"`period` in rule 2 of class care: invalid retention period "10 years""#
        )
        expectRefused(
            ScheduleFixtures.minimal(replacing: #"withdrawal-grace = "14d""#, with: "withdrawal-grace = 14"),
            line: 5,
            "`withdrawal-grace` in [schedule] must be a period string like \"20y\""
        )
    }

    @Test("an unknown trigger is refused at its line, listing the triggers")
    func unknownTrigger() {
        expectRefused(
            ScheduleFixtures.minimal(replacing: #"after = "last-contact""#, with: #"after = "last contact""#),
            line: 10,
            #"unknown trigger "last contact" in rule 1 of class care; expected one of: captured, consent, last-contact, discharge, death"#
        )
    }

    @Test("unknown disposition and combination names are refused")
    func unknownChoices() {
        expectRefused(
            ScheduleFixtures.minimal(replacing: #"disposition = "destroy""#, with: #"disposition = "shred""#),
            line: 21,
            #"unknown `disposition` "shred" in class supervision; expected one of: destroy, review"#
        )
        expectRefused(
            ScheduleFixtures.minimal(replacing: #"combine = "earliest""#, with: #"combine = "first""#),
            line: 13,
            "expected one of: earliest, latest"
        )
    }

    @Test("a missing class field is refused at the class header")
    func missingClassFields() {
        expectRefused(
            ScheduleFixtures.minimal(replacing: "disposition = \"review\"\n", with: ""),
            line: 7,
            "class care is missing `disposition`"
        )
        expectRefused(
            ScheduleFixtures.minimal(replacing: "source = \"Local policy\"", with: ""),
            line: 18,
            "class supervision is missing `source`"
        )
        expectRefused(
            ScheduleFixtures.minimal(replacing: "rules = [{ after = \"captured\", period = \"90d\" }]\n", with: ""),
            line: 18,
            "class supervision is missing `rules`"
        )
        expectRefused(
            ScheduleFixtures.minimal(replacing: "combine = \"earliest\"\n", with: ""),
            line: 7,
            "class care is missing `combine`"
        )
        expectRefused(
            ScheduleFixtures.minimal(
                replacing: "{ after = \"captured\", period = \"90d\" }",
                with: "{ after = \"captured\" }"
            ),
            line: 20,
            "rule 1 of class supervision is missing `period`"
        )
    }

    @Test("wrong types are refused with what was found")
    func wrongTypes() {
        expectRefused(
            ScheduleFixtures.minimal(replacing: "withdrawal-shortens = true", with: "withdrawal-shortens = \"yes\""),
            line: 22,
            "`withdrawal-shortens` in class supervision must be true or false, found a string"
        )
        expectRefused(
            ScheduleFixtures.minimal(replacing: "title = \"Care\"", with: "title = 3"),
            line: 8,
            "must be a string, found an integer"
        )
        expectRefused(
            ScheduleFixtures.minimal(
                replacing: "rules = [{ after = \"captured\", period = \"90d\" }]",
                with: "rules = \"90d\""
            ),
            line: 20,
            "`rules` in class supervision must be an array of tables, found a string"
        )
        expectRefused(
            ScheduleFixtures.minimal(
                replacing: "rules = [{ after = \"captured\", period = \"90d\" }]",
                with: "rules = []"
            ),
            line: 20,
            "is empty"
        )
    }

    @Test("the schedule header is checked: present, supported format, valid name")
    func scheduleHeader() {
        expectRefused(
            ScheduleFixtures.minimal(replacing: "format = 1", with: "format = 2"),
            line: 2,
            "format 2 is not supported"
        )
        expectRefused(
            ScheduleFixtures.minimal(replacing: "name = \"minimal\"", with: "name = \"My Schedule\""),
            line: 3,
            "lower-case letters"
        )
        expectRefused(
            ScheduleFixtures.minimal(replacing: "version = \"1\"\n", with: ""),
            line: 1,
            "[schedule] is missing `version`"
        )
        expectRefused(ScheduleFixtures.minimal(replacing: "[schedule]", with: "[meta]"), line: 1, "unknown key `meta`")
        let headerOnly = ScheduleFixtures.minimal.components(separatedBy: "\n\n")[0]
        expectRefused(headerOnly, line: nil, "the schedule is missing the [class] table")
    }

    @Test("class ids must be lower-case identifiers")
    func classIDs() {
        expectRefused(
            ScheduleFixtures.minimal(replacing: "[class.supervision]", with: "[class.Supervision]"),
            line: 18,
            "class id \"Supervision\""
        )
    }

    @Test("a trigger given two rules in one class is refused")
    func repeatedTrigger() {
        expectRefused(
            ScheduleFixtures.minimal(
                replacing: #"{ after = "death", period = "10y" }"#,
                with: #"{ after = "last-contact", period = "10y" }"#
            ),
            line: 11,
            "repeats the trigger last-contact"
        )
    }

    @Test("of several problems the first in the file is reported, so nothing is ever half-applied")
    func firstProblemInDocumentOrder() {
        var text = ScheduleFixtures.minimal(replacing: #"source = "Local policy""#, with: #"source = """#)
        text = text.replacingOccurrences(of: #"title = "Care""#, with: #"titel = "Care""#)
        expectRefused(text, line: 8, "unknown key `titel`")
    }

    @Test("errors read like compiler diagnostics: file:line: message")
    func errorDescription() {
        #expect(
            RetentionError.schedule(source: "retention/x.toml", line: 12, message: "bad").description
                == "retention/x.toml:12: bad"
        )
        #expect(RetentionError.schedule(source: "x.toml", line: nil, message: "bad").description == "x.toml: bad")
    }
}
