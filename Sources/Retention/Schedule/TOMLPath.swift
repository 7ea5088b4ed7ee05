/// One step into a TOML document: a key of a table or an index into an array.
enum TOMLPathComponent: Hashable, Sendable {
    case key(String)
    case index(Int)
}

/// Where a value sits in a TOML document, e.g. `class.care.rules[1].period`.
typealias TOMLPath = [TOMLPathComponent]
