public import VaultModel

// Tests write dates as literals (`dueOn: "2031-01-01"`, `#expect(row.dueOn == "2031-01-01")`).
// Only tests: the product reads dates from text with `CivilDate(_:)`, which can say no.
extension CivilDate: ExpressibleByStringLiteral {
    /// A date literal, `"2026-01-02"`; a literal that is not a date stops the test run.
    public init(stringLiteral text: String) {
        guard let date = CivilDate(text) else { preconditionFailure("not a YYYY-MM-DD date: \(text)") }
        self = date
    }
}
