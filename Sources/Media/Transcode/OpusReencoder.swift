/// Re-encodes an Opus track to mono Opus at a low bitrate, keeping it in time with the source:
/// the source pre-skip is discarded, gaps in the source timeline become silence, and the output's
/// pre-skip (the encoder look-ahead), block timestamps and final DiscardPadding are exact.
final class OpusReencoder {
    /// The output track (number 2): mono Opus with its OpusHead, CodecDelay and SeekPreRoll.
    let outputTrack: MediaTrack
    private let decoder: OpusDecoder
    private let encoder: OpusEncoder
    private let frameSize = 960
    private var sourceSkip: Int
    private var pcm: [Int16] = []
    private var pcmStart = 0
    /// The source time of the first sample after pre-skip: the output's time origin.
    private var originNs: Int64?
    /// The source time where the next source packet is expected.
    private var cursorNs: Int64 = 0
    /// Post-skip source samples taken in, and samples fed to the encoder (look-ahead included).
    private var samplesIn: Int64 = 0
    private var samplesEncoded: Int64 = 0
    private var packetsOut: Int64 = 0
    private(set) var gapSamples: Int64 = 0
    /// Time added to output timestamps for the part of long gaps not filled with silence.
    private var shiftNs: Int64 = 0
    /// The longest hole filled with encoded silence; beyond it the timeline jumps instead, so a
    /// hostile timestamp cannot make the encoder work without end.
    private let maxFillSamples = 10 * 48_000
    private var trailingDiscard = 0

    init(source: MediaTrack, bitrate: Int, complexity: Int, voiceSignal: Bool, outputTrackNumber: UInt64 = 2) throws(MediaError) {
        decoder = try OpusDecoder(channels: 1)
        encoder = try OpusEncoder(channels: 1, bitrate: bitrate, complexity: complexity, voiceSignal: voiceSignal)
        sourceSkip = OpusHead(parsing: source.codecPrivate)?.preSkip ?? Int(source.codecDelayNs * 48_000 / 1_000_000_000)
        let head = OpusHead(channels: 1, preSkip: encoder.lookahead)
        var track = MediaTrack(number: outputTrackNumber, kind: .audio, codecID: "A_OPUS")
        track.codecPrivate = head.bytes
        track.codecDelayNs = head.preSkipNs
        track.seekPreRollNs = 80_000_000
        track.channels = 1
        track.sampleRate = 48_000
        outputTrack = track
    }

    /// The source time where the real audio ends (padding excluded), once any was taken in.
    var endNs: Int64? {
        originNs.map { $0.clampedAdding(shiftNs).clampedAdding(samplesIn.samplesAsNs) }
    }

    /// Takes one source packet; returns the output packets completed so far.
    func add(_ packet: MediaPacket) throws(MediaError) -> [MediaPacket] {
        if originNs == nil {
            originNs = packet.timestampNs
            cursorNs = packet.timestampNs
        }
        var packets: [MediaPacket] = []
        let gapNs = packet.timestampNs.clampedAdding(cursorNs == .min ? .max : -cursorNs)
        if gapNs >= 5_000_000 {
            let missing = gapNs / 1_000_000_000 * 48_000 + gapNs % 1_000_000_000 * 48_000 / 1_000_000_000
            let filled = Int(min(missing, Int64(maxFillSamples)))
            for start in stride(from: 0, to: filled, by: frameSize * 50) {
                append(silence: min(frameSize * 50, filled - start))
                packets += try encodeFullFrames(keeping: 0)
            }
            gapSamples += Int64(filled)
            shiftNs = shiftNs.clampedAdding((missing - Int64(filled)).samplesAsNs)
        }
        let before = pcm.count
        do {
            try decoder.decode(packet.data, appendingTo: &pcm)
        } catch {
            // A damaged packet becomes silence of its nominal length, keeping the timeline.
            append(silence: OpusPacket.sampleCount(packet.data) ?? 960)
        }
        var decoded = pcm.count - before
        let skip = min(sourceSkip, decoded)
        if skip > 0 {
            pcm.removeSubrange(before..<before + skip)
            sourceSkip -= skip
            decoded -= skip
        }
        let discard = Int(max(0, packet.discardPaddingNs) * 48_000 / 1_000_000_000)
        trailingDiscard = min(discard, decoded)
        samplesIn += Int64(decoded)
        cursorNs = packet.timestampNs.clampedAdding(Int64(decoded + skip).samplesAsNs)
        return packets + (try encodeFullFrames(keeping: trailingDiscard))
    }

    /// Encodes what is left, padded so every real sample leaves the encoder; the last packet's
    /// DiscardPadding marks the padding.
    func finish() throws(MediaError) -> [MediaPacket] {
        pcm.removeLast(min(trailingDiscard, pcm.count - pcmStart))
        samplesIn -= Int64(trailingDiscard)
        trailingDiscard = 0
        guard originNs != nil, samplesIn > 0 else { return [] }
        let needed = samplesIn + Int64(encoder.lookahead)
        let total = (needed + Int64(frameSize) - 1) / Int64(frameSize) * Int64(frameSize)
        append(silence: Int(total - samplesEncoded) - (pcm.count - pcmStart))
        var packets = try encodeFullFrames(keeping: 0)
        if var last = packets.popLast() {
            last.discardPaddingNs = (total - needed) * 1_000_000_000 / 48_000
            packets.append(last)
        }
        return packets
    }

    private func append(silence count: Int) {
        guard count > 0 else { return }
        pcm.append(contentsOf: repeatElement(0, count: count))
    }

    private func encodeFullFrames(keeping reserve: Int) throws(MediaError) -> [MediaPacket] {
        var packets: [MediaPacket] = []
        while pcm.count - pcmStart - reserve >= frameSize {
            let data = try encoder.encode(pcm[pcmStart..<pcmStart + frameSize])
            pcmStart += frameSize
            samplesEncoded += Int64(frameSize)
            let time = (originNs ?? 0).clampedAdding(shiftNs).clampedAdding(packetsOut * 20_000_000)
            packetsOut += 1
            packets.append(MediaPacket(track: outputTrack.number, timestampNs: time, isKeyframe: true, data: data))
        }
        if pcmStart > 48_000 {
            pcm.removeFirst(pcmStart)
            pcmStart = 0
        }
        return packets
    }
}
