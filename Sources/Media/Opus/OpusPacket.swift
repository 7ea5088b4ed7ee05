/// Facts read from an Opus packet's TOC byte (RFC 6716, section 3.1) without decoding it.
enum OpusPacket {
    /// Samples per channel at 48 kHz of one frame of TOC configuration `config` (0...31).
    static func frameSamples(config: Int) -> Int {
        switch config {
        case 0..<12: return [480, 960, 1920, 2880][config % 4]
        case 12..<16: return [480, 960][config % 2]
        default: return [120, 240, 480, 960][config % 4]
        }
    }

    /// The number of 48 kHz samples (per channel) in `packet`, or nil when it is not a valid packet.
    static func sampleCount<C: RandomAccessCollection>(_ packet: C) -> Int? where C.Element == UInt8, C.Index == Int {
        guard let toc = packet.first else { return nil }
        let perFrame = frameSamples(config: Int(toc >> 3))
        let frames: Int
        switch toc & 0x03 {
        case 0: frames = 1
        case 1, 2: frames = 2
        default:
            guard packet.count >= 2 else { return nil }
            frames = Int(packet[packet.startIndex + 1] & 0x3F)
        }
        let total = frames * perFrame
        guard frames > 0, total <= 5760 else { return nil }
        return total
    }

    /// A one-byte packet of the same mode and channel layout as `toc` that holds no audio (a
    /// zero-length frame, which decoders treat as a lost or DTX frame): used to fill timestamp gaps.
    static func emptyPacket(like toc: UInt8) -> [UInt8] {
        [toc & 0xFC]
    }
}
