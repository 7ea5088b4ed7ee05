import Foundation
import Retention
import Testing

@Suite("RetentionPeriod")
struct RetentionPeriodTests {
    @Test(
        "parses years, months and days in order",
        arguments: [
            ("20y", 20, 0, 0), ("6m", 0, 6, 0), ("30d", 0, 0, 30), ("1y6m", 1, 6, 0), ("1y6m15d", 1, 6, 15),
            ("2m10d", 0, 2, 10), ("0d", 0, 0, 0), ("007y", 7, 0, 0),
        ] as [(String, Int, Int, Int)]
    )
    func parsesWrittenForms(_ text: String, _ years: Int, _ months: Int, _ days: Int) throws {
        #expect(try RetentionPeriod.parse(text) == RetentionPeriod(years: years, months: months, days: days))
    }

    @Test(
        "rejects anything else, naming the text",
        arguments: [
            "", "20", "y", "20 y", "20years", "6m1y", "1y1y", "-1y", "+1y", "1.5y", "1w", "20Y", "1234567d", "1y 6m",
        ]
    )
    func rejectsMalformedText(_ text: String) {
        #expect(throws: RetentionError.invalidPeriod(text)) { try RetentionPeriod.parse(text) }
        #expect(RetentionPeriod(text) == nil)
    }

    @Test("writes its canonical form")
    func writesCanonicalForm() {
        #expect(RetentionPeriod(years: 1, months: 6).description == "1y6m")
        #expect(RetentionPeriod(days: 30).description == "30d")
        #expect(RetentionPeriod.zero.description == "0d")
        #expect(period("007y").description == "7y")
        #expect(RetentionPeriod.zero.isZero && !period("1d").isZero)
    }

    @Test("encodes as its written form")
    func codesAsAString() throws {
        let data = try JSONEncoder().encode(period("1y6m"))
        #expect(String(decoding: data, as: UTF8.self) == #""1y6m""#)
        #expect(try JSONDecoder().decode(RetentionPeriod.self, from: data) == period("1y6m"))
        #expect {
            try JSONDecoder().decode(RetentionPeriod.self, from: Data(#""soon""#.utf8))
        } throws: { if case .dataCorrupted? = $0 as? DecodingError { true } else { false } }
    }
}
