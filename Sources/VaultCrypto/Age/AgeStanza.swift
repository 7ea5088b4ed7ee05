/// One recipient stanza of an age header: `-> ARGUMENTS` then the base64 body wrapped at 64 columns.
struct AgeStanza: Sendable, Equatable {
    /// The space-separated arguments; the first names the recipient type (`scrypt`, `X25519`).
    let arguments: [String]
    /// The raw body (for native types, the 32-byte wrapped file key).
    let body: [UInt8]

    /// The stanza's header text, every line ending in LF.
    var encoded: [UInt8] {
        precondition(!arguments.isEmpty, "a stanza has at least one argument")
        return Array(("-> " + arguments.joined(separator: " ") + "\n").utf8) + AgeBase64.wrappedBody(body)
    }
}
