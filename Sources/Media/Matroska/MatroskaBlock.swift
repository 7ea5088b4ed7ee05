/// A parsed (Simple)Block payload: track, relative timestamp, flags, and the byte ranges of its
/// frames after lacing (none, Xiph, EBML or fixed-size; Matroska spec, "Block Lacing").
struct MatroskaBlock {
    let track: UInt64
    let relativeTimestamp: Int16
    let flags: UInt8
    let frames: [Range<Int>]

    /// SimpleBlock flag: the block holds a key frame.
    var isKeyframe: Bool { flags & 0x80 != 0 }

    init(parsing payload: [UInt8], offset: Int64) throws(MediaError) {
        func malformed(_ why: String) -> MediaError { MediaError(.malformed, "block: \(why)", offset: offset) }
        guard let length = payload.first.flatMap(EBMLVarInt.length(ofFirstByte:)), payload.count >= length + 3 else {
            throw malformed("header is invalid")
        }
        track = EBMLVarInt.value(length: length) { payload[$0] } ?? UInt64.max
        relativeTimestamp = Int16(bitPattern: UInt16(payload[length]) << 8 | UInt16(payload[length + 1]))
        flags = payload[length + 2]
        var cursor = length + 3
        let lacing = (flags >> 1) & 0x03
        guard lacing != 0 else {
            frames = [cursor..<payload.count]
            return
        }
        guard cursor < payload.count else { throw malformed("lace count missing") }
        let count = Int(payload[cursor]) + 1
        cursor += 1
        var sizes: [Int] = []
        sizes.reserveCapacity(count)
        switch lacing {
        case 1:  // Xiph: each size but the last as a run of 255s and a final byte below 255.
            for _ in 0..<(count - 1) {
                var size = 0
                while true {
                    guard cursor < payload.count else { throw malformed("Xiph lace sizes run past the block") }
                    let byte = payload[cursor]
                    cursor += 1
                    size += Int(byte)
                    if byte != 255 { break }
                }
                sizes.append(size)
            }
        case 3:  // EBML: first size unsigned, then signed differences.
            var previous = 0
            for index in 0..<(count - 1) {
                guard cursor < payload.count, let vintLength = EBMLVarInt.length(ofFirstByte: payload[cursor]),
                    cursor + vintLength <= payload.count
                else { throw malformed("EBML lace sizes run past the block") }
                let start = cursor
                guard let raw = EBMLVarInt.value(length: vintLength, byte: { payload[start + $0] }) else {
                    throw malformed("EBML lace size is reserved")
                }
                cursor += vintLength
                let size: Int
                if index == 0 {
                    guard raw <= UInt64(payload.count) else { throw malformed("EBML lace size too large") }
                    size = Int(raw)
                } else {
                    let bias = (Int64(1) << Int64(7 * vintLength - 1)) - 1
                    size = previous + Int(Int64(raw) - bias)
                }
                guard size >= 0, size <= payload.count else { throw malformed("EBML lace size out of range") }
                sizes.append(size)
                previous = size
            }
        default:  // 2, fixed-size: equal frames.
            let remaining = payload.count - cursor
            guard remaining % count == 0 else { throw malformed("fixed lace does not divide evenly") }
            sizes = Array(repeating: remaining / count, count: count - 1)
        }
        let used = sizes.reduce(0, +)
        guard used <= payload.count - cursor else { throw malformed("lace sizes exceed the block") }
        sizes.append(payload.count - cursor - used)
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(count)
        for size in sizes {
            ranges.append(cursor..<cursor + size)
            cursor += size
        }
        frames = ranges
    }
}
