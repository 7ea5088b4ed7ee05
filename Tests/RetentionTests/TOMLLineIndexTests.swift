import Testing

@testable import Retention

@Suite("Locating lines in TOML")
struct TOMLLineIndexTests {
    static let text = #"""
        # [not.a.table] in a comment
        top = "value # not a comment"

        [class.care]   # trailing comment
        notes = """
        [class.fake]
        fake = "inside a multi-line string"
        """
        "quoted key" = 'literal \'
        rules = [
            # a comment line in an array
            { after = "death", period = "10y" },

            { after = "captured",
              period = "1y" },
        ]
        nested = { inner = { deep = 1 } }
        dotted.key = 2

        [[class.care.more]]
        x = 1
        [[class.care.more]]
        x = 2
        """#

    let index = TOMLLineIndex(text: text)

    func line(_ path: TOMLPathComponent...) -> Int? {
        index.line(of: path)
    }

    @Test("finds keys, headers and array elements past comments and multi-line strings")
    func findsLines() {
        #expect(line(.key("top")) == 2)
        #expect(line(.key("class")) == 4)
        #expect(line(.key("class"), .key("care")) == 4)
        #expect(line(.key("class"), .key("care"), .key("notes")) == 5)
        #expect(line(.key("class"), .key("care"), .key("quoted key")) == 9)
        #expect(line(.key("class"), .key("care"), .key("rules")) == 10)
        #expect(line(.key("class"), .key("care"), .key("rules"), .index(0)) == 12)
        #expect(line(.key("class"), .key("care"), .key("rules"), .index(0), .key("period")) == 12)
        #expect(line(.key("class"), .key("care"), .key("rules"), .index(1)) == 14)
        #expect(line(.key("class"), .key("care"), .key("rules"), .index(1), .key("period")) == 15)
        #expect(line(.key("class"), .key("care"), .key("nested"), .key("inner"), .key("deep")) == 17)
        #expect(line(.key("class"), .key("care"), .key("dotted"), .key("key")) == 18)
        #expect(line(.key("class"), .key("care"), .key("more"), .index(1), .key("x")) == 23)
    }

    @Test("does not mistake the inside of a string for structure")
    func ignoresStringContents() {
        #expect(line(.key("class"), .key("fake")) == 4)  // falls back to the enclosing table
        #expect(line(.key("not")) == nil)
    }

    @Test("falls back to the nearest enclosing place it knows")
    func fallsBack() {
        #expect(line(.key("class"), .key("care"), .key("missing")) == 4)
        #expect(line(.key("class"), .key("care"), .key("rules"), .index(7)) == 10)
        #expect(line(.key("nowhere")) == nil)
    }
}
