import VaultModel

/// The `review` profile: demux, decode every video frame, drop frames above the output frame
/// rate before scaling, scale with libyuv, and hand the kept frames (and the Opus packets) to an
/// encoding task over a bounded queue, so decoding and encoding run on the two cores at once.
struct ReviewPipeline {
    let options: TranscodeOptions
    /// `.rewritable` when the sink can patch the header, so clusters stream straight through.
    let layout: WebMMuxer.Layout

    private struct DecodeState {
        var decoder: VPXDecoder?
        var scaler: FrameScaler?
        var reducer: FrameRateReducer
        var firstSize: (width: Int, height: Int)?
        var resolutionChanges = 0
        var waitingForKeyframe = false
        var undecodable = 0
        var decoded = 0
        var dropped = 0
        var lastVideoNs: Int64?
        var lastVideoIntervalNs: Int64 = 33_333_333
    }

    /// Runs the pipeline; `finish` writes the muxer's end (buffered or patched, by sink type).
    func run<Sink: ByteSink>(
        source: inout some MediaByteSource, sink: inout CountingSink<Sink>,
        finish: (inout ReviewMuxState, inout CountingSink<Sink>) async throws(MediaError) -> MediaFacts
    ) async throws(MediaError) -> TranscodeReport {
        var demuxer = RecordingDemuxer(limits: options.demuxLimits)
        guard case .tracks(let tracks) = try await demuxer.next(from: &source) else {
            throw MediaError(.malformed, "the input has no track list")
        }
        let input = MediaFacts(docType: demuxer.docType ?? "webm", tracks: tracks, durationNs: demuxer.declaredDurationNs)
        let selection = TrackSelection(tracks)
        let video = try selection.requireDecodableVideo()
        let audio = selection.audio == nil ? nil : try selection.requireOpusAudio()
        guard video != nil || audio != nil else {
            throw MediaError(.noUsableTrack, "the input has neither a video nor an audio track")
        }
        demuxer.selectTracks(Set([video?.0.number, audio?.number].compactMap { $0 }))

        var decode = DecodeState(reducer: FrameRateReducer(maxFrameRate: options.maxFrameRate))
        if let video { decode.decoder = try VPXDecoder(codec: video.1, threads: options.decoderThreads) }
        var mux = ReviewMuxState(options: options, layout: layout, expectsVideo: video != nil, expectsAudio: audio != nil)
        let queue = WorkQueue<WorkItem>(capacity: 4)
        let outbox = Outbox<EncodedItem>()
        let options = self.options
        do {
            if #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *) {
                // Decoding and encoding each get a thread of their own, so they overlap even when
                // the cooperative pool is busy.
                let decodeStage = StageExecutor(label: "media.review.decode")
                let encodeStage = StageExecutor(label: "media.review.encode")
                try await withTaskExecutorPreference(decodeStage) {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask(executorPreference: encodeStage) {
                            try await EncodeWorker.run(options: options, audioSource: audio, queue: queue, outbox: outbox)
                        }
                        try await decodeLoop(&demuxer, &source, &sink, video?.0, audio, &decode, &mux, queue, outbox)
                        try await group.waitForAll()
                    }
                }
            } else {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await EncodeWorker.run(options: options, audioSource: audio, queue: queue, outbox: outbox)
                    }
                    try await decodeLoop(&demuxer, &source, &sink, video?.0, audio, &decode, &mux, queue, outbox)
                    try await group.waitForAll()
                }
            }
        } catch let error as MediaError {
            throw error
        } catch {
            throw MediaError(.cancelled, "the review copy was cancelled", cause: error)
        }
        try await mux.absorb(await outbox.takeAll(), to: &sink)
        if let last = decode.lastVideoNs { mux.extendEnd(toNs: last.clampedAdding(decode.lastVideoIntervalNs)) }
        let output = try await finish(&mux, &sink)

        var report = TranscodeReport(profile: .review, output: output, input: input)
        report.framesDecoded = decode.decoded
        report.framesDropped = decode.dropped
        report.framesEncoded = mux.framesEncoded
        report.audioPacketsEncoded = mux.audioPacketsEncoded
        if case .truncated(let offset) = demuxer.endState {
            report.warnings.append(.init(.truncatedInput, "the input ends inside an element at byte \(offset); the copy holds everything decodable before it"))
        }
        if decode.undecodable > 0 {
            report.warnings.append(.init(.undecodableFrames, "\(decode.undecodable) video frames could not be decoded and were skipped"))
        }
        if decode.resolutionChanges > 0 {
            report.warnings.append(.init(.resolutionChanged, "the picture size changed \(decode.resolutionChanges) times; later pictures are fitted into the first size"))
        }
        if mux.audioGapSamples > 0 {
            report.warnings.append(.init(.audioGaps, "filled \(mux.audioGapSamples / 48) ms of gaps in the audio timeline with silence"))
        }
        // An Ogg file is audio by nature: no video is not worth a warning there.
        if video == nil && input.container != "ogg" { report.warnings.append(.init(.missingTrack, "the input has no video track")) }
        if audio == nil { report.warnings.append(.init(.missingTrack, "the input has no audio track")) }
        if mux.packetsWithoutTrack > 0 {
            report.warnings.append(.init(.missingTrack, "\(mux.packetsWithoutTrack) packets came after the copy's tracks were fixed and were left out"))
        }
        if video != nil && mux.videoTrack == nil {
            report.warnings.append(.init(.missingTrack, "no video frame could be decoded; the copy has no video"))
        }
        return report
    }

    /// The decoding stage: demuxes, decodes and scales, feeds the encoding stage, and muxes what
    /// it has finished. Always finishes the queue, so the encoding stage ends too.
    private func decodeLoop(
        _ demuxer: inout RecordingDemuxer, _ source: inout some MediaByteSource, _ sink: inout CountingSink<some ByteSink>,
        _ video: MediaTrack?, _ audio: MediaTrack?, _ decode: inout DecodeState, _ mux: inout ReviewMuxState,
        _ queue: WorkQueue<WorkItem>, _ outbox: Outbox<EncodedItem>
    ) async throws(MediaError) {
        do {
            while let event = try await demuxer.next(from: &source) {
                guard case .packet(let packet) = event else { continue }
                var items: [WorkItem] = []
                if packet.track == video?.number {
                    items = try decodeVideo(packet, &decode, &mux).map { .video($0) }
                } else if packet.track == audio?.number {
                    items = [.audio(packet)]
                }
                for item in items {
                    // A closed queue means the encoding stage failed; its error is the one to report.
                    guard await queue.send(item) else { return }
                }
                try await mux.absorb(await outbox.takeAll(), to: &sink)
            }
            await queue.finish()
        } catch {
            await queue.finish(discarding: true)
            throw error
        }
    }

    /// Decodes one video packet; returns the scaled frames to encode (none when dropped).
    private func decodeVideo(_ packet: MediaPacket, _ state: inout DecodeState, _ mux: inout ReviewMuxState) throws(MediaError)
        -> [VideoFrame]
    {
        if let last = state.lastVideoNs, packet.timestampNs > last {
            state.lastVideoIntervalNs = packet.timestampNs.clampedAdding(-last)
        }
        if let duration = packet.durationNs, duration > 0 { state.lastVideoIntervalNs = duration }
        state.lastVideoNs = max(state.lastVideoNs ?? packet.timestampNs, packet.timestampNs)
        guard let decoder = state.decoder else { return [] }
        if state.waitingForKeyframe {
            guard packet.isKeyframe else {
                state.undecodable += 1
                return []
            }
            state.waitingForKeyframe = false
        }
        var frames: [VideoFrame] = []
        do {
            try decoder.decode(packet.data) { picture throws(MediaError) in
                state.decoded += 1
                if let first = state.firstSize {
                    if first.width != picture.width || first.height != picture.height {
                        state.firstSize = (picture.width, picture.height)
                        state.resolutionChanges += 1
                    }
                } else {
                    state.firstSize = (picture.width, picture.height)
                    let size = FrameScaler.fit(
                        width: picture.width, height: picture.height, maxWidth: options.maxWidth, maxHeight: options.maxHeight)
                    state.scaler = FrameScaler(outputWidth: size.width, outputHeight: size.height)
                    mux.setVideoSize(width: size.width, height: size.height)
                }
                guard state.reducer.keep(timestampNs: packet.timestampNs), let scaler = state.scaler else {
                    state.dropped += 1
                    return
                }
                frames.append(try scaler.scale(picture, timestampNs: packet.timestampNs))
            }
        } catch where error.code == .codecFailure {
            state.undecodable += 1
            state.waitingForKeyframe = true
        }
        return frames
    }
}
