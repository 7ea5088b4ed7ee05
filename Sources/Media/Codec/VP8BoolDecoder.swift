/// The boolean entropy decoder of VP8 (RFC 6386, section 7.3), enough to read the frame header's
/// flags and literals. Past the end of its data it reads zeros, as libvpx does.
struct VP8BoolDecoder {
    private let data: ArraySlice<UInt8>
    private var position: Int
    private var value: UInt32
    private var range: UInt32 = 255
    private var bitCount = 0

    init(_ data: ArraySlice<UInt8>) {
        self.data = data
        position = data.startIndex
        value = 0
        for _ in 0..<2 { value = (value << 8) | UInt32(nextByte()) }
    }

    private mutating func nextByte() -> UInt8 {
        guard position < data.endIndex else { return 0 }
        defer { position += 1 }
        return data[position]
    }

    /// One boolean whose probability of being false is `probability`/256.
    mutating func read(probability: UInt32) -> Bool {
        let split = 1 + (((range - 1) * probability) >> 8)
        let bigSplit = split << 8
        let bit: Bool
        if value >= bigSplit {
            bit = true
            range -= split
            value -= bigSplit
        } else {
            bit = false
            range = split
        }
        while range < 128 {
            value <<= 1
            range <<= 1
            bitCount += 1
            if bitCount == 8 {
                bitCount = 0
                value |= UInt32(nextByte())
            }
        }
        return bit
    }

    /// An unsigned `bits`-bit literal, most significant bit first (`L(n)` in the RFC).
    mutating func literal(_ bits: Int) -> Int {
        var result = 0
        for _ in 0..<bits { result = (result << 1) | (read(probability: 128) ? 1 : 0) }
        return result
    }

    /// A flag (`L(1)`).
    mutating func flag() -> Bool { literal(1) == 1 }

    /// An optional field: a flag, then, when it is set, a `bits`-bit value and (if `signed`) a sign.
    mutating func skipOptional(_ bits: Int, signed: Bool = true) {
        guard flag() else { return }
        _ = literal(bits + (signed ? 1 : 0))
    }
}
