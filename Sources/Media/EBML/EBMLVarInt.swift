/// EBML variable-length integers (RFC 8794, section 4): a length marker in the leading zero bits of
/// the first byte, then the value. Element IDs keep the marker; element sizes drop it.
enum EBMLVarInt {
    /// The encoded length (1...8) announced by a first byte, or nil for 0x00 (a length beyond 8).
    static func length(ofFirstByte first: UInt8) -> Int? {
        first == 0 ? nil : first.leadingZeroBitCount + 1
    }

    /// The value of a `length`-byte integer whose bytes `byte(0)..<byte(length)` are given, with the
    /// marker bit removed. Returns nil when every value bit is one (an "unknown" size).
    static func value(length: Int, byte: (Int) -> UInt8) -> UInt64? {
        var value = UInt64(byte(0)) & (0xFF >> UInt64(length))
        for index in 1..<max(1, length) { value = value << 8 | UInt64(byte(index)) }
        let allOnes = (UInt64(1) << UInt64(7 * length)) - 1
        return value == allOnes ? nil : value
    }

    /// The smallest length (1...8) that encodes `value` as a size (all-ones patterns are reserved).
    static func encodedLength(of value: UInt64) -> Int {
        var length = 1
        while length < 8, value >= (UInt64(1) << UInt64(7 * length)) - 1 { length += 1 }
        return length
    }

    /// Encodes `value` as a size of exactly `length` bytes (at least the minimal length).
    static func encodeSize(_ value: UInt64, length: Int? = nil) -> [UInt8] {
        let count = max(length ?? 0, encodedLength(of: value))
        var bytes = [UInt8](repeating: 0, count: count)
        var rest = value
        for index in stride(from: count - 1, through: 0, by: -1) {
            bytes[index] = UInt8(truncatingIfNeeded: rest)
            rest >>= 8
        }
        bytes[0] |= UInt8(0x80 >> (count - 1))
        return bytes
    }

    /// The "unknown size" marker of one byte... eight bytes (0x01 FF FF FF FF FF FF FF).
    static let unknownSize: [UInt8] = [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]

    /// Encodes an element ID (which already carries its length marker) in big-endian order.
    static func encodeID(_ id: UInt32) -> [UInt8] {
        switch id {
        case ..<0x100: return [UInt8(id)]
        case ..<0x1_0000: return [UInt8(id >> 8), UInt8(id & 0xFF)]
        case ..<0x100_0000: return [UInt8(id >> 16), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)]
        default: return [UInt8(id >> 24), UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)]
        }
    }
}
