/// Checks TOML text for input that makes the bundled toml++ (inside TOMLKit) abort on an internal
/// assertion instead of reporting a syntax error, so such text is refused with a line number first.
///
/// toml++ asserts instead of failing on a table header whose name does not start with a bare-key
/// character or a quote (`[a` at the end of a line, `[` followed by a newline), so in builds with
/// C assertions enabled such a schedule would abort the process rather than be refused. Every
/// such input known (docs/RELIABILITY.md, "Fuzzing") is a case here and a regression test.
public enum TOMLPreflight {
    /// The first problem as (line, message), or nil if the text is safe to hand to the parser.
    public static func problem(in text: String) -> (line: Int, message: String)? {
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            // A byte-order mark may open the file; toml++ skips it like white space.
            let line = rawLine.drop { $0 == " " || $0 == "\t" || $0 == "\u{FEFF}" }
            guard line.first == "[" else { continue }
            // Inside a multi-line string or array a line may begin with "[": only check lines that
            // close the header on the same line or leave it open (the crashing case).
            var rest = line.dropFirst()
            if rest.first == "[" { rest = rest.dropFirst() }
            if let problem = headerProblem(rest) { return (number + 1, problem) }
        }
        return nil
    }

    static func headerProblem(_ header: Substring) -> String? {
        var rest = header.drop { $0 == " " || $0 == "\t" }
        while true {
            guard let first = rest.first else { return "a table header ends before its name" }
            if first == "\"" || first == "'" { return nil }  // quoted keys: toml++ handles these
            guard isBareKeyCharacter(first) else { return "a table name must start with a letter, digit, '-', '_' or a quote" }
            rest = rest.drop(while: isBareKeyCharacter).drop { $0 == " " || $0 == "\t" }
            guard let next = rest.first else { return "a table header is not closed with ']'" }
            if next == "]" { return nil }
            guard next == "." else { return nil }  // let the parser report anything else
            rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
        }
    }

    static func isBareKeyCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_")
    }
}
