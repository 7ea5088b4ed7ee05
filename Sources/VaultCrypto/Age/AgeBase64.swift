internal import Foundation

/// The base64 age headers use: the standard alphabet (RFC 4648 §4), canonical, without `=` padding.
enum AgeBase64 {
    /// The column at which stanza bodies wrap.
    static let lineLength = 64

    /// Unpadded standard base64 of `bytes`.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.last == "=" { text.removeLast() }
        return text
    }

    /// A stanza body: base64 in lines of exactly 64 characters, each ending in LF, and a final line of
    /// fewer than 64 (empty when the encoding is a multiple of 64 long, including an empty body).
    static func wrappedBody(_ bytes: [UInt8]) -> [UInt8] {
        let text = Array(encode(bytes).utf8)
        var output: [UInt8] = []
        output.reserveCapacity(text.count + text.count / lineLength + 1)
        var start = 0
        while text.count - start >= lineLength {
            output += text[start..<(start + lineLength)]
            output.append(0x0a)
            start += lineLength
        }
        output += text[start...]
        output.append(0x0a)
        return output
    }
}
