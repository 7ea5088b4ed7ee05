import VaultModel

/// The muxing end of the review pipeline: interleaves encoded packets and writes them through a
/// WebM muxer that is created once the output tracks are known (the video size at the first
/// decoded picture, the audio track from the encoder).
struct ReviewMuxState {
    let options: TranscodeOptions
    let layout: WebMMuxer.Layout
    let expectsVideo: Bool
    let expectsAudio: Bool
    private(set) var videoTrack: MediaTrack?
    private(set) var audioTrack: MediaTrack?
    private var interleaver: PacketInterleaver
    private var muxer: WebMMuxer?
    private(set) var framesEncoded = 0
    private(set) var audioPacketsEncoded = 0
    private(set) var endNs: Int64 = 0
    private(set) var packetsWithoutTrack = 0
    private(set) var audioGapSamples: Int64 = 0

    init(options: TranscodeOptions, layout: WebMMuxer.Layout, expectsVideo: Bool, expectsAudio: Bool) {
        self.options = options
        self.layout = layout
        self.expectsVideo = expectsVideo
        self.expectsAudio = expectsAudio
        var tracks: [UInt64] = []
        if expectsVideo { tracks.append(EncodeWorker.videoTrackNumber) }
        if expectsAudio { tracks.append(EncodeWorker.audioTrackNumber) }
        interleaver = PacketInterleaver(tracks: tracks)
    }

    private var plannedVideoSize: (width: Int, height: Int)?

    /// The output video size known before any picture is decoded (from a VP8 key frame's header):
    /// the video track is declared with the first encoded frame, so a stream none of whose frames
    /// decodes still gives a copy without video.
    mutating func planVideoSize(width: Int, height: Int) {
        plannedVideoSize = (width, height)
    }

    /// Declares the output video size (at the first decoded picture).
    mutating func setVideoSize(width: Int, height: Int) {
        var track = MediaTrack(number: EncodeWorker.videoTrackNumber, kind: .video, codecID: "V_VP8")
        track.width = width
        track.height = height
        videoTrack = track
    }

    /// Notes the end of the source timeline, for the Duration.
    mutating func extendEnd(toNs end: Int64) {
        endNs = max(endNs, end)
    }

    mutating func absorb(_ items: [EncodedItem], to sink: inout some ByteSink) async throws(MediaError) {
        for item in items {
            switch item {
            case .audioTrack(let track): audioTrack = track
            case .audioEnd(let end): extendEnd(toNs: end)
            case .audioGaps(let samples): audioGapSamples += samples
            case .packet(let packet):
                if packet.track == EncodeWorker.videoTrackNumber, videoTrack == nil, let size = plannedVideoSize {
                    setVideoSize(width: size.width, height: size.height)
                }
                interleaver.push(packet)
            }
        }
        try await write(interleaver.pop(), to: &sink)
    }

    /// Writes everything still queued and the file's index (buffered layout).
    mutating func finish(to sink: inout some ByteSink) async throws(MediaError) -> MediaFacts {
        var muxer = try await drain(to: &sink)
        try await muxer.finish(to: &sink)
        return facts
    }

    /// Writes everything still queued and the file's index, patching the header (either layout).
    mutating func finish(rewriting sink: inout some MediaRewritableByteSink) async throws(MediaError) -> MediaFacts {
        var muxer = try await drain(to: &sink)
        try await muxer.finish(rewriting: &sink)
        return facts
    }

    private mutating func drain(to sink: inout some ByteSink) async throws(MediaError) -> WebMMuxer {
        try await write(interleaver.pop(all: true), to: &sink)
        if muxer == nil { try makeMuxer() }
        guard var muxer else { throw MediaError(.noUsableTrack, "nothing could be decoded from the input") }
        self.muxer = nil
        muxer.extendDuration(toNs: endNs)
        return muxer
    }

    private var facts: MediaFacts {
        MediaFacts(
            container: "webm", durationSeconds: Double(endNs) / 1e9, videoCodec: videoTrack.map { _ in "VP8" },
            audioCodec: audioTrack.map { _ in "Opus" }, width: videoTrack?.width, height: videoTrack?.height,
            audioChannels: audioTrack?.channels, audioSampleRate: audioTrack.map { _ in 48_000 })
    }

    private mutating func makeMuxer() throws(MediaError) {
        let tracks = [videoTrack, audioTrack].compactMap { $0 }
        guard !tracks.isEmpty else { return }
        var muxerOptions = WebMMuxer.Options(maxClusterDurationNs: Int64(options.keyFrameIntervalSeconds + 2) * 1_000_000_000)
        muxerOptions.layout = layout
        muxer = try WebMMuxer(tracks: tracks, options: muxerOptions)
    }

    private mutating func write(_ packets: [MediaPacket], to sink: inout some ByteSink) async throws(MediaError) {
        guard !packets.isEmpty else { return }
        if muxer == nil { try makeMuxer() }
        guard var current = muxer else { return }
        muxer = nil
        defer { muxer = current }
        for packet in packets {
            let known = packet.track == EncodeWorker.videoTrackNumber ? videoTrack != nil : audioTrack != nil
            guard known else {
                packetsWithoutTrack += 1
                continue
            }
            if packet.track == EncodeWorker.videoTrackNumber { framesEncoded += 1 } else { audioPacketsEncoded += 1 }
            try await current.add(packet, to: &sink)
        }
    }
}
