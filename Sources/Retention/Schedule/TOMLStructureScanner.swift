/// Walks the structure of a TOML document that TOMLKit has already accepted, recording the line
/// on which each table header, key and array element starts.
struct TOMLStructureScanner {
    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    private var arrayTableCounts: [TOMLPath: Int] = [:]
    /// The line of each path seen so far.
    private(set) var lines: [TOMLPath: Int] = [:]

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private func peek(_ offset: Int) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    /// Records `path` and any enclosing path not seen yet at the current line (not the root:
    /// a document has no line of its own).
    private mutating func record(_ path: TOMLPath) {
        guard !path.isEmpty else { return }
        for length in 1...path.count where lines[Array(path.prefix(length))] == nil {
            lines[Array(path.prefix(length))] = line
        }
    }

    mutating func scanDocument() {
        var table: TOMLPath = []
        while true {
            skipTrivia(newlines: true)
            guard let byte = current else { return }
            let start = position
            if byte == UInt8(ascii: "[") {
                let isArrayTable = peek(1) == UInt8(ascii: "[")
                position += isArrayTable ? 2 : 1
                let key = scanKey()
                skipTrivia(newlines: false)
                position += isArrayTable ? 2 : 1  // "]" or "]]"
                if isArrayTable {
                    let index = arrayTableCounts[key, default: 0]
                    arrayTableCounts[key] = index + 1
                    record(key)
                    table = key + [.index(index)]
                } else {
                    table = key
                }
                record(table)
            } else {
                let key = table + scanKey()
                record(key)
                skipTrivia(newlines: false)
                if current == UInt8(ascii: "=") { position += 1 }
                skipTrivia(newlines: false)
                scanValue(at: key)
            }
            if position == start { position += 1 }  // never loop without progress
        }
    }

    /// Skips blanks and comments, and line breaks too when `newlines` is set.
    private mutating func skipTrivia(newlines: Bool) {
        while let byte = current {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                position += 1
            case UInt8(ascii: "\n") where newlines:
                line += 1
                position += 1
            case UInt8(ascii: "#"):
                while let byte = current, byte != UInt8(ascii: "\n") { position += 1 }
            default:
                return
            }
        }
    }

    /// A dotted key: bare, "basic" or 'literal' parts separated by dots.
    private mutating func scanKey() -> TOMLPath {
        var parts: TOMLPath = []
        while true {
            skipTrivia(newlines: false)
            guard let byte = current else { break }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                parts.append(.key(scanQuotedKey(quote: byte)))
            } else {
                let start = position
                while let byte = current, Self.isBareKeyByte(byte) { position += 1 }
                guard position > start else { break }
                parts.append(.key(String(decoding: bytes[start..<position], as: UTF8.self)))
            }
            skipTrivia(newlines: false)
            guard current == UInt8(ascii: ".") else { break }
            position += 1
        }
        return parts
    }

    private mutating func scanQuotedKey(quote: UInt8) -> String {
        position += 1
        var key: [UInt8] = []
        while let byte = current, byte != quote, byte != UInt8(ascii: "\n") {
            if quote == UInt8(ascii: "\""), byte == UInt8(ascii: "\\"), let escaped = peek(1) {
                // Keys in a schedule are plain; keep simple escapes and leave the rest as written.
                if escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") {
                    key.append(escaped)
                    position += 2
                    continue
                }
            }
            key.append(byte)
            position += 1
        }
        position += 1
        return String(decoding: key, as: UTF8.self)
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }

    private mutating func scanValue(at path: TOMLPath) {
        guard let byte = current else { return }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            scanString(quote: byte)
        case UInt8(ascii: "["):
            position += 1
            var index = 0
            while true {
                skipTrivia(newlines: true)
                guard let byte = current else { return }
                if byte == UInt8(ascii: "]") {
                    position += 1
                    return
                }
                let start = position
                let element = path + [.index(index)]
                record(element)
                scanValue(at: element)
                skipTrivia(newlines: true)
                if current == UInt8(ascii: ",") { position += 1 }
                if position == start { position += 1 }
                index += 1
            }
        case UInt8(ascii: "{"):
            // Line breaks are not TOML 1.0 inside inline tables, but TOML 1.1 allows them.
            position += 1
            while true {
                skipTrivia(newlines: true)
                guard let byte = current else { return }
                if byte == UInt8(ascii: "}") {
                    position += 1
                    return
                }
                let start = position
                let key = path + scanKey()
                record(key)
                skipTrivia(newlines: true)
                if current == UInt8(ascii: "=") { position += 1 }
                skipTrivia(newlines: true)
                scanValue(at: key)
                skipTrivia(newlines: true)
                if current == UInt8(ascii: ",") { position += 1 }
                if position == start { position += 1 }
            }
        default:
            // A number, boolean or date: runs to the next delimiter.
            while let byte = current, !Self.endsScalar(byte) { position += 1 }
        }
    }

    private static func endsScalar(_ byte: UInt8) -> Bool {
        [UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "\n"), UInt8(ascii: "#")].contains(byte)
    }

    /// Skips a basic or literal string, single- or multi-line, counting the lines it spans.
    private mutating func scanString(quote: UInt8) {
        let multiline = peek(1) == quote && peek(2) == quote
        position += multiline ? 3 : 1
        while let byte = current {
            if byte == UInt8(ascii: "\n") {
                if !multiline { return }
                line += 1
                position += 1
            } else if byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                position += 1
                if current == UInt8(ascii: "\n") { line += 1 }
                position += 1
            } else if byte == quote {
                if !multiline {
                    position += 1
                    return
                }
                if peek(1) == quote && peek(2) == quote {
                    position += 3
                    // Up to two more quotes may close the string as part of its content.
                    var extra = 0
                    while extra < 2, current == quote {
                        position += 1
                        extra += 1
                    }
                    return
                }
                position += 1
            } else {
                position += 1
            }
        }
    }
}
