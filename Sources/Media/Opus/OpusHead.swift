/// The Opus identification header (RFC 7845, section 5.1): WebM's CodecPrivate and the first Ogg packet.
public struct OpusHead: Sendable, Hashable {
    /// Output channel count.
    public var channels: Int
    /// Samples at 48 kHz to discard from the start of the decoded stream.
    public var preSkip: Int
    /// The sample rate of the original input (informational).
    public var inputSampleRate: Int
    /// Output gain in Q7.8 dB.
    public var outputGain: Int16
    /// Channel mapping family (0: mono/stereo; 1: Vorbis order; 255: undefined).
    public var mappingFamily: Int
    /// The mapping table (stream count, coupled count, mapping) for families other than 0.
    public var mappingTable: [UInt8]

    /// Creates a header for a mono or stereo stream (mapping family 0).
    public init(channels: Int, preSkip: Int, inputSampleRate: Int = 48_000) {
        self.channels = channels
        self.preSkip = preSkip
        self.inputSampleRate = inputSampleRate
        self.outputGain = 0
        self.mappingFamily = 0
        self.mappingTable = []
    }

    /// Parses a header; nil when `bytes` is not an OpusHead.
    public init?(parsing bytes: [UInt8]) {
        guard bytes.count >= 19, Array(bytes[0..<8]) == Array("OpusHead".utf8), bytes[8] & 0xF0 == 0,
            bytes[9] > 0
        else { return nil }
        channels = Int(bytes[9])
        preSkip = Int(bytes[10]) | Int(bytes[11]) << 8
        inputSampleRate = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        outputGain = Int16(bitPattern: UInt16(bytes[16]) | UInt16(bytes[17]) << 8)
        mappingFamily = Int(bytes[18])
        mappingTable = Array(bytes[19...])
        if mappingFamily != 0 && mappingTable.count < 2 + channels { return nil }
    }

    /// The header's bytes.
    public var bytes: [UInt8] {
        var out = Array("OpusHead".utf8)
        out.append(1)
        out.append(UInt8(channels))
        out += [UInt8(preSkip & 0xFF), UInt8(preSkip >> 8 & 0xFF)]
        let rate = UInt32(truncatingIfNeeded: inputSampleRate)
        out += [UInt8(rate & 0xFF), UInt8(rate >> 8 & 0xFF), UInt8(rate >> 16 & 0xFF), UInt8(rate >> 24)]
        let gain = UInt16(bitPattern: outputGain)
        out += [UInt8(gain & 0xFF), UInt8(gain >> 8)]
        out.append(UInt8(mappingFamily))
        if mappingFamily != 0 { out += mappingTable }
        return out
    }

    /// Pre-skip expressed in nanoseconds (WebM's CodecDelay).
    var preSkipNs: Int64 { Int64(preSkip) * 1_000_000_000 / 48_000 }
}
