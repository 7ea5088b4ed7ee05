import Foundation
import Testing

@testable import Retention

/// Inputs the fuzzers found that crashed a parser; each must now give a clear error.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// FuzzSchedule: `[` + newline (and `[a` + newline) aborted inside toml++ on an assertion.
    @Test(arguments: ["[\n", "[", "[a\n", "[[\n", "[ \n", "[a.\n", "x = 1\n[\u{FFFD}]\n", "[a.b\n", "\u{FEFF}[<"])
    func brokenTableHeadersAreSyntaxErrorsWithALine(_ text: String) {
        #expect { try RetentionSchedule.parse(toml: text, source: "fuzz.toml") } throws: { if case .schedule(source: "fuzz.toml", line: _, message: _)? = $0 as? RetentionError { true } else { false } }
        if let problem = TOMLPreflight.problem(in: text) { #expect(problem.line >= 1) }
    }

    @Test func wellFormedHeadersPassThePreflight() {
        #expect(TOMLPreflight.problem(in: "[schedule]\n[class.care]\n[\"quoted key\"]\n[[array]]\n[ a . b ]\nx = [\n  1,\n]\n") == nil)
    }

    /// FuzzSchedule: `l=[}` hit another toml++ assertion (in parse_value). With C assertions off
    /// (`-Xcc -DNDEBUG`, as every `make` build uses) toml++ reports it as a syntax error; a plain
    /// `swift test` keeps them on, so this case runs only under make.
    @Test(arguments: ["l=[}", "a = [1,}", "x = {,}"])
    func malformedValuesAreSyntaxErrorsWhenCAssertionsAreOff(_ text: String) {
        guard ProcessInfo.processInfo.environment["SESSIONVAULT_CXX_ASSERTS"] == "off" else {
            print("skipping: run under `make test` (C assertions off) to exercise toml++ on malformed values")
            return
        }
        #expect { try RetentionSchedule.parse(toml: text, source: "fuzz.toml") } throws: { if case .schedule(source: "fuzz.toml", line: _, message: _)? = $0 as? RetentionError { true } else { false } }
    }
}
