/// The 1-based line on which each key, table header and array element of a TOML document
/// starts, so that problems found after parsing can point at their line.
///
/// TOMLKit reports positions only for syntax errors, so this scans the text itself. It is a
/// structural scanner, not a validating parser: it runs on text that TOMLKit has accepted, and
/// only has to follow headers, keys, strings, arrays and inline tables.
struct TOMLLineIndex {
    private let lines: [TOMLPath: Int]

    init(text: String) {
        var scanner = TOMLStructureScanner(bytes: Array(text.utf8))
        scanner.scanDocument()
        lines = scanner.lines
    }

    /// The line of `path`, or of its nearest enclosing table or array that has one.
    func line(of path: TOMLPath) -> Int? {
        var path = path[...]
        while true {
            if path.isEmpty { return nil }
            if let line = lines[Array(path)] { return line }
            path = path.dropLast()
        }
    }
}
