/// Splits a byte stream into Ogg pages (RFC 3533) and checks each page's CRC-32.
///
/// Holds at most one page (27 + 255 + 255 × 255 bytes, under 64 KiB) plus the unread rest of the
/// last input chunk: a page is returned only once all of it has arrived.
struct OggPageReader {
    private var queue = ByteQueue()
    /// The input offset of the first unconsumed byte.
    private(set) var offset: Int64 = 0

    /// The number of bytes received but not yet returned as part of a page.
    var bufferedCount: Int { queue.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        queue.append(bytes)
    }

    /// The next complete page, or nil when more bytes are needed.
    ///
    /// Throws `.malformed` (with the page's offset) when the bytes at a page boundary are not an
    /// Ogg page, the stream structure version is not 0, or the CRC does not match.
    mutating func next() throws(MediaError) -> OggPageData? {
        guard queue.count >= OggPageData.fixedHeaderSize else { return nil }
        guard queue[0] == 0x4F, queue[1] == 0x67, queue[2] == 0x67, queue[3] == 0x53 else {
            throw MediaError(.malformed, "no Ogg capture pattern (\"OggS\") where a page should begin", offset: offset)
        }
        guard queue[4] == 0 else {
            throw MediaError(.malformed, "Ogg page with stream structure version \(queue[4]); only version 0 exists", offset: offset)
        }
        let segmentCount = Int(queue[26])
        let headerSize = OggPageData.fixedHeaderSize + segmentCount
        guard queue.count >= headerSize else { return nil }
        var bodySize = 0
        for index in 0..<segmentCount { bodySize += Int(queue[OggPageData.fixedHeaderSize + index]) }
        guard queue.count >= headerSize + bodySize else { return nil }
        var bytes = queue.take(headerSize + bodySize)
        let pageOffset = offset
        offset += Int64(bytes.count)
        let stored = UInt32(bytes[22]) | UInt32(bytes[23]) << 8 | UInt32(bytes[24]) << 16 | UInt32(bytes[25]) << 24
        bytes.replaceSubrange(22..<26, with: [0, 0, 0, 0])
        let computed = OggPage.checksum(bytes)
        guard stored == computed else {
            throw MediaError(
                .malformed,
                "Ogg page CRC mismatch: the page says \(hex(stored)), its bytes give \(hex(computed)) (damaged or altered page)",
                offset: pageOffset)
        }
        return OggPageData(bytes: bytes, offset: pageOffset)
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
