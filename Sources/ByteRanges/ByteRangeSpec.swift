import Foundation

/// An inclusive byte range as written on the command line and in HTTP: `START-END`, `START-`
/// (to the end) or `-N` (the last N bytes).
public enum ByteRangeSpec: Sendable, Hashable, CustomStringConvertible {
    case closed(Int64, Int64)
    case from(Int64)
    case suffix(Int64)

    /// - Throws: ``ByteRangeError`` naming the text, if it is none of the three forms.
    public init(parsing text: String) throws(ByteRangeError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw ByteRangeError(text: text) }
        let start = parts[0].isEmpty ? nil : Int64(parts[0])
        let end = parts[1].isEmpty ? nil : Int64(parts[1])
        switch (parts[0].isEmpty, parts[1].isEmpty) {
        case (false, false):
            guard let start, let end, start >= 0, end >= start else { throw ByteRangeError(text: text) }
            self = .closed(start, end)
        case (false, true):
            guard let start, start >= 0 else { throw ByteRangeError(text: text) }
            self = .from(start)
        case (true, false):
            guard let end, end > 0 else { throw ByteRangeError(text: text) }
            self = .suffix(end)
        case (true, true):
            throw ByteRangeError(text: text)
        }
    }

    public var description: String {
        switch self {
        case .closed(let a, let b): return "\(a)-\(b)"
        case .from(let a): return "\(a)-"
        case .suffix(let n): return "-\(n)"
        }
    }

    /// The half-open byte range this selects in a recording of `size` bytes (an end past the
    /// size is clipped, as HTTP does), or nil if it selects nothing.
    public func resolve(size: Int64) -> Range<Int64>? {
        switch self {
        case .closed(let start, let end):
            guard start < size else { return nil }
            return start..<min(end + 1, size)
        case .from(let start):
            guard start < size else { return nil }
            return start..<size
        case .suffix(let n):
            guard size > 0 else { return nil }
            return max(0, size - n)..<size
        }
    }
}

/// A byte range that is none of `START-END`, `START-` or `-N`.
public struct ByteRangeError: Error, Hashable, CustomStringConvertible {
    /// The text as given.
    public let text: String

    public init(text: String) { self.text = text }

    public var description: String { "invalid range '\(text)': expected START-END, START- or -SUFFIX (bytes, inclusive)" }
}
