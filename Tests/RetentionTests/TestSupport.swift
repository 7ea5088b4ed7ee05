import Retention

/// A date literal for tests: `day("2025-02-28")`. Traps on a malformed literal, which is a bug
/// in the test itself.
func day(_ text: String) -> CivilDate {
    guard let date = CivilDate(text) else { preconditionFailure("bad test date \(text)") }
    return date
}

func period(_ text: String) -> RetentionPeriod {
    guard let period = RetentionPeriod(text) else { preconditionFailure("bad test period \(text)") }
    return period
}
