import Foundation

/// A recording's identity: 16 random bytes, shown as a lowercase UUID string.
public struct RecordingID: Hashable, Sendable, Comparable, Codable, CustomStringConvertible, LosslessStringConvertible {
    /// The 16 bytes that the chunk format binds into every chunk's associated data.
    public let bytes: [UInt8]

    /// The identity these bytes are, or nil when they are not 16 bytes long.
    public init?(exactly bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// A fresh random identifier.
    public static func random() -> RecordingID {
        let uuid = UUID().uuid
        let bytes = withUnsafeBytes(of: uuid) { [UInt8]($0) }
        return RecordingID(uncheckedBytes: bytes)
    }

    package init(uncheckedBytes: [UInt8]) { self.bytes = uncheckedBytes }

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` or 32 hex digits.
    public init?(_ description: String) {
        let hex = description.lowercased().filter { $0 != "-" }
        guard hex.count == 32 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = Self.nibble(high), let l = Self.nibble(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        self.bytes = bytes
    }

    public var description: String {
        let hex = bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    /// 32 hex digits with no dashes, as used in blob keys.
    public var compactHex: String { bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined() }

    public static func < (lhs: RecordingID, rhs: RecordingID) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let id = RecordingID(string) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a recording id: \(string)")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}

extension String {
    package func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
