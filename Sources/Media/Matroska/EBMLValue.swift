/// Decoders for the payloads of EBML leaf elements (RFC 8794, section 7).
enum EBMLValue {
    static func unsigned(_ bytes: [UInt8], offset: Int64) throws(MediaError) -> UInt64 {
        guard bytes.count <= 8 else { throw MediaError(.malformed, "integer longer than 8 bytes", offset: offset) }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func signed(_ bytes: [UInt8], offset: Int64) throws(MediaError) -> Int64 {
        guard bytes.count <= 8 else { throw MediaError(.malformed, "integer longer than 8 bytes", offset: offset) }
        guard let first = bytes.first else { return 0 }
        var value: Int64 = first & 0x80 != 0 ? -1 : 0
        for byte in bytes { value = value << 8 | Int64(byte) }
        return value
    }

    static func float(_ bytes: [UInt8], offset: Int64) throws(MediaError) -> Double {
        switch bytes.count {
        case 0: return 0
        case 4: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: try unsigned(bytes, offset: offset))))
        case 8: return Double(bitPattern: try unsigned(bytes, offset: offset))
        default: throw MediaError(.malformed, "float of \(bytes.count) bytes", offset: offset)
        }
    }

    static func string(_ bytes: [UInt8]) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
