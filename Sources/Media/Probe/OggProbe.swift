/// Reads Ogg page headers (RFC 3533) as they stream by: the first stream's codec from its
/// identification packet, and its last granule position for the duration. Page bodies other than
/// the first are skipped without being stored.
struct OggProbe {
    private var header: [UInt8] = []
    private var bodyRemaining = 0
    private var collectingFirstBody = false
    private var firstBody: [UInt8] = []
    private var serial: UInt32?
    private var lastGranule: Int64?
    private var head: OpusHead?
    private var codec: String?
    private var failed = false

    mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        while index < bytes.count, !failed {
            if bodyRemaining > 0 {
                let count = min(bodyRemaining, bytes.count - index)
                if collectingFirstBody { firstBody.append(contentsOf: bytes[index..<index + count]) }
                bodyRemaining -= count
                index += count
                if bodyRemaining == 0 && collectingFirstBody {
                    collectingFirstBody = false
                    identify(firstBody)
                }
                continue
            }
            header.append(bytes[index])
            index += 1
            if header.count == 4 && header != Array("OggS".utf8) { failed = true }
            guard header.count >= 27, header.count == 27 + Int(header[26]) else { continue }
            let pageSerial = UInt32(header[14]) | UInt32(header[15]) << 8 | UInt32(header[16]) << 16 | UInt32(header[17]) << 24
            let granule = (0..<8).reduce(UInt64(0)) { $0 | UInt64(header[6 + $1]) << (8 * UInt64($1)) }
            bodyRemaining = header[27...].reduce(0) { $0 + Int($1) }
            if serial == nil {
                serial = pageSerial
                collectingFirstBody = bodyRemaining > 0
            }
            if pageSerial == serial, granule != UInt64.max { lastGranule = Int64(bitPattern: granule) }
            header.removeAll(keepingCapacity: true)
        }
    }

    private mutating func identify(_ body: [UInt8]) {
        if let opus = OpusHead(parsing: body) {
            head = opus
            codec = "Opus"
        } else if body.count >= 7, Array(body[1..<7]) == Array("vorbis".utf8) {
            codec = "Vorbis"
        } else {
            codec = "unknown"
        }
    }

    func facts() -> MediaFacts? {
        guard let codec else { return nil }
        var facts = MediaFacts(container: "ogg", audioCodec: codec)
        if let head {
            facts.audioChannels = head.channels
            facts.audioSampleRate = 48_000
            if let lastGranule, lastGranule >= Int64(head.preSkip) {
                facts.durationSeconds = Double(lastGranule - Int64(head.preSkip)) / 48_000
            }
        }
        return facts
    }
}
