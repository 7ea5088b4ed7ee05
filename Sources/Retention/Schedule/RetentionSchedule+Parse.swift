extension RetentionSchedule {
    /// The schedule file format this module reads (`[schedule] format = 1`).
    public static let formatVersion = 1

    /// Reads a schedule from the text of a TOML file (format: `retention/README.md`).
    ///
    /// Everything is validated before anything is returned: TOML syntax, unknown keys and
    /// tables, types, required keys, periods, trigger, combination and disposition names,
    /// class ids. A schedule is returned only when the whole file is valid, so a bad file can
    /// never be half applied.
    ///
    /// - Parameters:
    ///   - toml: The file's text.
    ///   - source: The file's name or path, used only in error messages.
    /// - Throws: ``RetentionError/schedule(source:line:message:)`` for the first problem in
    ///   the file, with its 1-based line.
    public static func parse(toml: String, source: String) throws(RetentionError) -> RetentionSchedule {
        try ScheduleParser.parse(toml: toml, source: source)
    }
}
