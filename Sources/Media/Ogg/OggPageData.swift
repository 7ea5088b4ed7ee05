/// One Ogg page whose CRC has been checked: its header fields, lacing values and body.
struct OggPageData {
    /// Capture pattern, version, flags, granule position, serial, sequence, CRC and segment count.
    static let fixedHeaderSize = 27

    /// The whole page (its CRC field zeroed).
    let bytes: [UInt8]
    /// Where the page starts in the input.
    let offset: Int64

    var flags: UInt8 { bytes[5] }
    var isContinuation: Bool { flags & OggPage.continued != 0 }
    var isBeginningOfStream: Bool { flags & OggPage.beginOfStream != 0 }
    var isEndOfStream: Bool { flags & OggPage.endOfStream != 0 }

    /// The granule position: for Opus, 48 kHz samples (pre-skip included) up to the end of the
    /// last packet that ends on this page; -1 when no packet ends here.
    var granule: Int64 { Int64(bitPattern: littleEndian(at: 6, count: 8)) }
    var serial: UInt32 { UInt32(littleEndian(at: 14, count: 4)) }
    var sequence: UInt32 { UInt32(littleEndian(at: 18, count: 4)) }

    /// The body split at its lacing values: each element is one packet piece, and `ends` says
    /// whether that piece ends its packet (a lacing value below 255) or continues on the next page.
    var pieces: [(bytes: ArraySlice<UInt8>, ends: Bool)] {
        let segmentCount = Int(bytes[26])
        var start = Self.fixedHeaderSize + segmentCount
        var pieceStart = start
        var result: [(bytes: ArraySlice<UInt8>, ends: Bool)] = []
        for index in 0..<segmentCount {
            let lacing = Int(bytes[Self.fixedHeaderSize + index])
            start += lacing
            if lacing < 255 {
                result.append((bytes[pieceStart..<start], true))
                pieceStart = start
            }
        }
        if pieceStart < start || (segmentCount > 0 && bytes[Self.fixedHeaderSize + segmentCount - 1] == 255) {
            result.append((bytes[pieceStart..<start], false))
        }
        return result
    }

    private func littleEndian(at index: Int, count: Int) -> UInt64 {
        (0..<count).reduce(UInt64(0)) { $0 | UInt64(bytes[index + $1]) << (8 * UInt64($1)) }
    }
}
