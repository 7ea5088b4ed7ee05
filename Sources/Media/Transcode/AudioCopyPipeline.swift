import VaultModel

/// The `audio` profile: the Opus track copied packet by packet into Ogg Opus, with no decoding.
/// Video blocks are skipped unread.
struct AudioCopyPipeline {
    let options: TranscodeOptions

    func run(source: inout some MediaByteSource, sink: inout CountingSink<some ByteSink>) async throws(MediaError)
        -> TranscodeReport
    {
        var demuxer = RecordingDemuxer(limits: options.demuxLimits)
        guard case .tracks(let tracks) = try await demuxer.next(from: &source) else {
            throw MediaError(.malformed, "the input has no track list")
        }
        let input = MediaFacts(docType: demuxer.docType ?? "webm", tracks: tracks, durationNs: demuxer.declaredDurationNs)
        let track = try TrackSelection(tracks).requireOpusAudio()
        demuxer.selectTracks([track.number])
        let head =
            OpusHead(parsing: track.codecPrivate)
            ?? OpusHead(channels: min(2, max(1, track.channels ?? 2)), preSkip: Int(track.codecDelayNs * 48_000 / 1_000_000_000))
        var writer = OggOpusWriter(head: head)
        var report = TranscodeReport(profile: .audio, output: MediaFacts(container: "ogg"), input: input)
        var firstNs: Int64?
        var samples: Int64 = 0
        var trailingDiscard: Int64 = 0
        var gapSamples: Int64 = 0
        while let event = try await demuxer.next(from: &source) {
            guard case .packet(let packet) = event, packet.track == track.number,
                let count = OpusPacket.sampleCount(packet.data)
            else { continue }
            var origin = firstNs ?? packet.timestampNs
            // Fill a hole in the timeline with empty (concealed) packets so later audio stays in time.
            let expectedNs = origin.clampedAdding(samples.samplesAsNs)
            let fill = OpusPacket.emptyPacket(like: packet.data[0])
            let fillSamples = Int64(OpusPacket.frameSamples(config: Int(packet.data[0] >> 3)))
            // Ogg cannot jump in time, so holes are filled, but at most ten minutes' worth each: a
            // hostile timestamp must not make the copy write without end.
            let maxGapNs: Int64 = 600_000_000_000
            let gapNs = packet.timestampNs.clampedAdding(expectedNs == .min ? .max : -expectedNs)
            if gapNs > maxGapNs { origin = origin.clampedAdding(gapNs - maxGapNs) }
            firstNs = origin
            var gap = max(0, min(gapNs, maxGapNs)) * 48_000 / 1_000_000_000
            while gap >= fillSamples && fillSamples > 0 {
                try await writer.write(packet: fill, samples: Int(fillSamples), to: &sink)
                samples += fillSamples
                gapSamples += fillSamples
                gap -= fillSamples
            }
            try await writer.write(packet: packet.data, samples: count, to: &sink)
            samples += Int64(count)
            report.audioPacketsCopied += 1
            trailingDiscard = max(0, packet.discardPaddingNs) * 48_000 / 1_000_000_000
        }
        let playable = max(0, samples - Int64(head.preSkip) - trailingDiscard)
        try await writer.finish(playableSamples: playable, to: &sink)
        report.output = MediaFacts(
            container: "ogg", durationSeconds: Double(playable) / 48_000, audioCodec: "Opus",
            audioChannels: head.channels, audioSampleRate: 48_000)
        if gapSamples > 0 {
            report.warnings.append(.init(.audioGaps, "filled \(gapSamples / 48) ms of gaps in the audio timeline"))
        }
        if case .truncated(let offset) = demuxer.endState {
            report.warnings.append(.init(.truncatedInput, "the input ends inside an element at byte \(offset); the copy holds everything before it"))
        }
        return report
    }
}
