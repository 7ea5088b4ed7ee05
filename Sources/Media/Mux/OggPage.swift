/// Ogg page encoding (RFC 3533): capture pattern, header fields, lacing values, CRC-32.
enum OggPage {
    static let continued: UInt8 = 0x01
    static let beginOfStream: UInt8 = 0x02
    static let endOfStream: UInt8 = 0x04

    /// A page holding complete `packets` (each at most 255*255-1 bytes, at most 255 lacing values in all).
    static func encode(packets: [[UInt8]], granule: Int64, serial: UInt32, sequence: UInt32, flags: UInt8) -> [UInt8] {
        var lacing: [UInt8] = []
        for packet in packets {
            lacing += [UInt8](repeating: 255, count: packet.count / 255)
            lacing.append(UInt8(packet.count % 255))
        }
        var page = Array("OggS".utf8)
        page += [0, flags]
        page += littleEndian(UInt64(bitPattern: granule), count: 8)
        page += littleEndian(UInt64(serial), count: 4)
        page += littleEndian(UInt64(sequence), count: 4)
        page += [0, 0, 0, 0]
        page.append(UInt8(lacing.count))
        page += lacing
        for packet in packets { page += packet }
        let crc = checksum(page)
        page.replaceSubrange(22..<26, with: littleEndian(UInt64(crc), count: 4))
        return page
    }

    /// Lacing values that `packet` needs.
    static func lacingCount(_ packet: [UInt8]) -> Int { packet.count / 255 + 1 }

    private static func littleEndian(_ value: UInt64, count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * $0)) }
    }

    /// CRC-32 with polynomial 0x04C11DB7, MSB first, initial value and final XOR of zero.
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0
        for byte in bytes { crc = crc << 8 ^ table[Int(UInt8(truncatingIfNeeded: crc >> 24) ^ byte)] }
        return crc
    }

    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index) << 24
        for _ in 0..<8 { value = value & 0x8000_0000 != 0 ? value << 1 ^ 0x04C1_1DB7 : value << 1 }
        return value
    }
}
