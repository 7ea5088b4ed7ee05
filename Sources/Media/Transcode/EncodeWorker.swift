/// Work for the encoding task: a scaled frame to encode, or a source Opus packet to re-encode.
enum WorkItem: Sendable {
    case video(VideoFrame)
    case audio(MediaPacket)
}

/// What the encoding task hands back.
enum EncodedItem: Sendable {
    /// The output audio track description (sent first, before any audio packet).
    case audioTrack(MediaTrack)
    case packet(MediaPacket)
    /// The end of the audio timeline (source time), once known.
    case audioEnd(Int64)
    /// Samples of silence put in for holes in the source audio timeline.
    case audioGaps(samples: Int64)
}

/// The encoding side of the review pipeline: VP8 for video (created at the first frame, whose size
/// it takes) and the Opus re-encoder. Runs in its own task, so it overlaps with decoding.
final class EncodeWorker {
    static let videoTrackNumber: UInt64 = 1
    static let audioTrackNumber: UInt64 = 2

    private let options: TranscodeOptions
    private var encoder: VP8Encoder?
    private let audio: OpusReencoder?
    private var lastKeyNs: Int64?
    private var sentAudioTrack = false

    init(options: TranscodeOptions, audioSource: MediaTrack?) throws(MediaError) {
        self.options = options
        if let audioSource {
            audio = try OpusReencoder(
                source: audioSource, bitrate: options.audioBitrate, complexity: options.audioComplexity,
                voiceSignal: options.audioVoiceSignal,
                outputTrackNumber: Self.audioTrackNumber)
        } else {
            audio = nil
        }
    }

    /// Takes items from `queue` until it is finished, leaving output in `outbox`.
    static func run(options: TranscodeOptions, audioSource: MediaTrack?, queue: WorkQueue<WorkItem>, outbox: Outbox<EncodedItem>)
        async throws(MediaError)
    {
        do {
            let worker = try EncodeWorker(options: options, audioSource: audioSource)
            await outbox.put(worker.start())
            while let item = await queue.receive() {
                await outbox.put(try worker.handle(item))
            }
            await outbox.put(try worker.finish())
        } catch {
            await queue.finish(discarding: true)
            throw error
        }
    }

    func start() -> [EncodedItem] {
        audio.map { [.audioTrack($0.outputTrack)] } ?? []
    }

    func handle(_ item: WorkItem) throws(MediaError) -> [EncodedItem] {
        switch item {
        case .video(let frame):
            return try encode(frame)
        case .audio(let packet):
            return try audio?.add(packet).map { .packet($0) } ?? []
        }
    }

    func finish() throws(MediaError) -> [EncodedItem] {
        var items: [EncodedItem] = []
        if let encoder { items += try encoder.flush().map { .packet(videoPacket($0)) } }
        if let audio {
            items += try audio.finish().map { .packet($0) }
            if let end = audio.endNs { items.append(.audioEnd(end)) }
            if audio.gapSamples > 0 { items.append(.audioGaps(samples: audio.gapSamples)) }
        }
        return items
    }

    private func encode(_ frame: VideoFrame) throws(MediaError) -> [EncodedItem] {
        let encoder: VP8Encoder
        if let existing = self.encoder {
            encoder = existing
        } else {
            let rate = max(1, options.maxFrameRate)
            encoder = try VP8Encoder(
                settings: .init(
                    width: frame.width, height: frame.height, bitrateKbps: options.videoBitrateKbps,
                    cpuUsed: options.encoderCPUUsed, threads: options.encoderThreads,
                    keyFrameInterval: rate * max(1, options.keyFrameIntervalSeconds) * 2, frameRate: rate))
            self.encoder = encoder
        }
        let intervalNs = Int64(max(1, options.keyFrameIntervalSeconds)) * 1_000_000_000
        let force = lastKeyNs.map { frame.timestampNs - $0 >= intervalNs - 10_000_000 } ?? false
        let packets = try encoder.encode(frame, durationMs: 1000 / max(1, options.maxFrameRate), forceKeyframe: force)
        return packets.map { packet in
            if packet.isKeyframe { lastKeyNs = packet.timestampMs * 1_000_000 }
            return .packet(videoPacket(packet))
        }
    }

    private func videoPacket(_ packet: VP8Encoder.Packet) -> MediaPacket {
        MediaPacket(
            track: Self.videoTrackNumber, timestampNs: packet.timestampMs * 1_000_000, isKeyframe: packet.isKeyframe,
            data: packet.data)
    }
}
