public import VaultModel

/// Writes an Ogg Opus stream (RFC 7845): the OpusHead page, the OpusTags page, then audio pages of
/// about one second each, each with the granule position of its last packet; the last page carries
/// the end-of-stream flag and the end-trimmed granule position.
///
/// Streaming and bounded: it holds at most two pages of packets.
public struct OggOpusWriter: Sendable {
    private let head: OpusHead
    private let serial: UInt32
    private let vendor: String
    private var sequence: UInt32 = 0
    private var wroteHeaders = false
    /// Packets of the page being filled, its lacing count and audio samples.
    private var packets: [[UInt8]] = []
    private var lacing = 0
    private var pageSamples = 0
    /// A full page held back so that the last page of the stream can carry the end-of-stream flag.
    private var heldPage: (packets: [[UInt8]], granule: Int64)?
    /// Samples of every packet written, pre-skip included (the running granule position).
    private(set) var granule: Int64

    /// Samples per page before a new page starts (one second at 48 kHz).
    private let samplesPerPage = 48_000

    /// Creates a writer for a stream described by `head`; `serial` names the logical stream.
    public init(head: OpusHead, serial: UInt32 = 0x5356_4F50, vendor: String = "SessionVault Media") {
        self.head = head
        self.serial = serial
        self.vendor = vendor
        self.granule = 0
    }

    /// Appends one Opus packet holding `samples` samples (at 48 kHz per channel).
    public mutating func write(packet: [UInt8], samples: Int, to sink: inout some ByteSink) async throws(MediaError) {
        try await writeHeadersIfNeeded(to: &sink)
        if lacing + OggPage.lacingCount(packet) > 255 || pageSamples >= samplesPerPage {
            try await closePage(to: &sink)
        }
        packets.append(packet)
        lacing += OggPage.lacingCount(packet)
        pageSamples += samples
        granule += Int64(samples)
    }

    /// Ends the stream. `playableSamples`, when given, trims the end: the final granule position
    /// becomes pre-skip plus that many samples (RFC 7845, section 4.4).
    public mutating func finish(playableSamples: Int64? = nil, to sink: inout some ByteSink) async throws(MediaError) {
        try await writeHeadersIfNeeded(to: &sink)
        if !packets.isEmpty { try await closePage(to: &sink) }
        var final = heldPage ?? (packets: [], granule: granule)
        heldPage = nil
        if let playableSamples {
            final.granule = max(0, min(final.granule, Int64(head.preSkip) + playableSamples))
        }
        try await emit(final.packets, granule: final.granule, flags: OggPage.endOfStream, to: &sink)
    }

    private mutating func closePage(to sink: inout some ByteSink) async throws(MediaError) {
        if let held = heldPage { try await emit(held.packets, granule: held.granule, flags: 0, to: &sink) }
        heldPage = (packets, granule)
        packets.removeAll(keepingCapacity: true)
        lacing = 0
        pageSamples = 0
    }

    private mutating func writeHeadersIfNeeded(to sink: inout some ByteSink) async throws(MediaError) {
        guard !wroteHeaders else { return }
        wroteHeaders = true
        try await emit([head.bytes], granule: 0, flags: OggPage.beginOfStream, to: &sink)
        var tags = Array("OpusTags".utf8)
        let vendorBytes = Array(vendor.utf8)
        tags += withUnsafeBytes(of: UInt32(vendorBytes.count).littleEndian, Array.init)
        tags += vendorBytes
        tags += [0, 0, 0, 0]
        try await emit([tags], granule: 0, flags: 0, to: &sink)
    }

    private mutating func emit(_ packets: [[UInt8]], granule: Int64, flags: UInt8, to sink: inout some ByteSink)
        async throws(MediaError)
    {
        let page = OggPage.encode(packets: packets, granule: granule, serial: serial, sequence: sequence, flags: flags)
        sequence += 1
        do {
            try await sink.write(page[...])
        } catch {
            throw MediaError(.sinkFailed, "writing the Ogg output failed", cause: error)
        }
    }
}
