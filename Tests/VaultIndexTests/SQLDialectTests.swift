import Testing
@testable import VaultIndex

@Suite("SQLDialect")
struct SQLDialectTests {
    @Test func postgresNumbersBarePlaceholdersInOrderAndKeepsNumberedOnes() {
        #expect(SQLDialect.postgres.render("SELECT a FROM t WHERE b = ? AND c IN (?, ?) LIMIT ?")
                    == "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3) LIMIT $4")
        #expect(SQLDialect.postgres.render("UPDATE t SET a = CAST(?1 AS TEXT) WHERE id = ?12") == "UPDATE t SET a = CAST($1 AS TEXT) WHERE id = $12")
    }

    @Test func postgresLeavesQuestionMarksInLiteralsAndIdentifiersAlone() {
        #expect(SQLDialect.postgres.render("SELECT '?', \"a?b\" FROM t WHERE x = ?") == "SELECT '?', \"a?b\" FROM t WHERE x = $1")
    }

    @Test func sqliteTakesTheStatementAsWritten() {
        let sql = "SELECT a FROM t WHERE b = ? AND c = ?2"
        #expect(SQLDialect.sqlite.render(sql) == sql)
    }

    @Test func migrationsSplitIntoTheirStatementsForPostgres() throws {
        let core = try #require(CatalogMigrations.all.first)
        let statements = core.statements(.postgres)
        #expect(statements.first?.hasPrefix("CREATE TABLE vault_meta") == true)
        #expect(statements.allSatisfy { !$0.contains(";") && !$0.contains("BLOB") && !$0.contains("WITHOUT ROWID") })
        #expect(statements.count == 17)
    }

    /// A catalog records only the number of migrations it has run: the released ones must keep their
    /// places, or an existing catalog would be migrated again or refused.
    @Test func releasedMigrationsKeepTheirNamesAndOrder() {
        #expect(CatalogMigrations.all.map(\.name) == [
            "0001-core", "0002-retention", "0003-audit-checkpoints", "0004-requests", "0005-consent-participants", "0006-users",
            "0007-due-summary-index", "0008-accountability-and-copies", "0009-consent-renewal-and-extensions", "0010-request-clocks",
            "0012-subject-access-review", "0013-birth-month-and-recorded-times", "0014-erasure-tree",
            "0015-officer-enrolment", "0016-consent-seals",
        ])
    }
}
