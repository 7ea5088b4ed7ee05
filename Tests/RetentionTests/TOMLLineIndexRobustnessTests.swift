import Testing

@testable import Retention

@Suite("Locating lines in TOML: robustness")
struct TOMLLineIndexRobustnessTests {
    @Test("terminates on any text, even text TOMLKit would refuse")
    func terminatesOnAnyText() throws {
        let bytes = Array(try ScheduleFixtures.shippedScheduleText().utf8) + Array(TOMLLineIndexTests.text.utf8)
        for length in stride(from: 0, through: bytes.count, by: 3) {
            _ = TOMLLineIndex(text: String(decoding: bytes.prefix(length), as: UTF8.self))
        }
        let garbage = ["[", "[[", "a", "a =", "a = [", "a = {", #"a = ""#, #"a = """"#, "'''", #"[a."b"#, "= = ="]
        for text in garbage {
            _ = TOMLLineIndex(text: text)
        }
    }
}
