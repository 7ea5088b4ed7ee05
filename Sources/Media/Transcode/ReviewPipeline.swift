import VaultModel

/// The `review` profile: demux, decode the video, drop frames above the output frame rate before
/// scaling, scale with libyuv, and hand the kept frames (and the Opus packets) to an encoding task
/// over a bounded queue, so decoding and encoding run on the two cores at once.
///
/// VP8 is planned from each frame's header before decoding (`VP8FrameHeader`): dropped frames that
/// no later frame depends on are not decoded at all, and the runs between key frames are decoded by
/// `TranscodeOptions.decoderLanes` decoders side by side (`DecodeLanes`). VP9 goes through one
/// decoder, which uses threads by rows.
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
        var skipped = 0
        /// The VP8 lane that the unit being filled goes to, and the unit.
        var lane = 0
        var unit = DecodeUnit()
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
        // VP8 goes through decoder lanes (parallel runs between key frames, unreferenced dropped
        // frames left undecoded); VP9 through one decoder that threads by rows itself.
        let lanes = video?.1 == .vp8 ? DecodeLanes(count: options.decoderLanes) : nil
        if let video, lanes == nil { decode.decoder = try VPXDecoder(codec: video.1, threads: options.decoderThreads) }
        var mux = ReviewMuxState(options: options, layout: layout, expectsVideo: video != nil, expectsAudio: audio != nil)
        let queue = WorkQueue<WorkItem>(capacity: 4)
        let outbox = Outbox<EncodedItem>()
        let tallies = Outbox<DecodeLane.Tally>()
        let options = self.options
        func stages() async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                Self.addStage(to: &group, label: "media.review.encode", niceIncrement: options.niceIncrement) {
                    try await EncodeWorker.run(options: options, audioSource: audio, queue: queue, outbox: outbox)
                }
                if let lanes {
                    for lane in 0..<lanes.count {
                        Self.addStage(to: &group, label: "media.review.decode.\(lane)", niceIncrement: options.niceIncrement) {
                            let tally = try await DecodeLane.run(
                                threads: options.decoderThreads, input: lanes.inputs[lane], output: lanes.outputs[lane])
                            await tallies.put([tally])
                        }
                    }
                    group.addTask { await lanes.merge(into: queue) }
                    try await laneLoop(&demuxer, &source, &sink, video?.0, audio, &decode, &mux, lanes, outbox)
                } else {
                    try await decodeLoop(&demuxer, &source, &sink, video?.0, audio, &decode, &mux, queue, outbox)
                }
                try await group.waitForAll()
            }
        }
        do {
            if #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *) {
                // Every stage gets a thread of its own, so they overlap even when the cooperative
                // pool is busy.
                try await withTaskExecutorPreference(StageExecutor(label: "media.review.demux", niceIncrement: options.niceIncrement)) { try await stages() }
            } else {
                try await stages()
            }
        } catch let error as MediaError {
            throw error
        } catch {
            throw MediaError(.cancelled, "the review copy was cancelled", cause: error)
        }
        for tally in await tallies.takeAll() {
            decode.decoded += tally.decoded
            decode.undecodable += tally.undecodable
        }
        try await mux.absorb(await outbox.takeAll(), to: &sink)
        if let last = decode.lastVideoNs { mux.extendEnd(toNs: last.clampedAdding(decode.lastVideoIntervalNs)) }
        let output = try await finish(&mux, &sink)

        var report = TranscodeReport(profile: .review, output: output, input: input)
        report.framesDecoded = decode.decoded
        report.framesDropped = decode.dropped
        report.framesSkipped = decode.skipped
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

    /// Adds a stage task that prefers an executor of its own (see `StageExecutor`).
    private static func addStage(
        to group: inout ThrowingTaskGroup<Void, any Error>, label: String, niceIncrement: Int32,
        _ body: @escaping @Sendable () async throws -> Void
    ) {
        if #available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, *) {
            group.addTask(executorPreference: StageExecutor(label: label, niceIncrement: niceIncrement), operation: body)
        } else {
            group.addTask(operation: body)
        }
    }

    /// The demuxing stage for VP8: reads each frame's header, decides what to keep, cuts the
    /// stream into units at key frames and hands them to the lanes, and muxes what is finished.
    /// Always finishes or abandons the lanes, so the other stages end too.
    private func laneLoop(
        _ demuxer: inout RecordingDemuxer, _ source: inout some MediaByteSource, _ sink: inout CountingSink<some ByteSink>,
        _ video: MediaTrack?, _ audio: MediaTrack?, _ decode: inout DecodeState, _ mux: inout ReviewMuxState,
        _ lanes: DecodeLanes, _ outbox: Outbox<EncodedItem>
    ) async throws(MediaError) {
        do {
            var keyframes = 0
            while let event = try await demuxer.next(from: &source) {
                guard case .packet(let packet) = event else { continue }
                if packet.track == video?.number {
                    let header = VP8FrameHeader(packet.data)
                    if header?.isKeyframe == true {
                        // A key frame resets the decoder: what follows can go to the next lane.
                        guard await dispatch(&decode, lanes) else { return }
                        keyframes += 1
                        decode.lane = keyframes % lanes.count
                    }
                    planVideo(packet, header, &decode, &mux)
                } else if packet.track == audio?.number {
                    decode.unit.items.append(.audio(packet))
                }
                if decode.unit.isFull {
                    guard await dispatch(&decode, lanes) else { return }
                }
                try await mux.absorb(await outbox.takeAll(), to: &sink)
            }
            guard await dispatch(&decode, lanes) else { return }
            await lanes.finishInput()
        } catch {
            await lanes.abandon()
            throw error
        }
    }

    /// Sends the unit being filled (if any) to its lane and starts a new one.
    private func dispatch(_ state: inout DecodeState, _ lanes: DecodeLanes) async -> Bool {
        guard !state.unit.items.isEmpty else { return true }
        var unit = state.unit
        unit.scaler = state.scaler
        state.unit = DecodeUnit()
        return await lanes.dispatch(unit, to: state.lane)
    }

    /// Decides what becomes of one VP8 packet, from its header: kept (decoded and scaled), decoded
    /// only (a reference frame, or hidden), or left out (dropped and unreferenced).
    private func planVideo(_ packet: MediaPacket, _ header: VP8FrameHeader?, _ state: inout DecodeState, _ mux: inout ReviewMuxState) {
        noteVideoTime(packet, &state)
        state.unit.videoPackets += 1
        guard let header else {
            // Unreadable: libvpx decides whether it decodes.
            state.unit.items.append(.video(packet, keep: false))
            return
        }
        if let width = header.width, let height = header.height, width > 0, height > 0 {
            if let first = state.firstSize {
                if first.width != width || first.height != height {
                    state.firstSize = (width, height)
                    state.resolutionChanges += 1
                }
            } else {
                state.firstSize = (width, height)
                let size = FrameScaler.fit(width: width, height: height, maxWidth: options.maxWidth, maxHeight: options.maxHeight)
                state.scaler = FrameScaler(outputWidth: size.width, outputHeight: size.height)
                mux.planVideoSize(width: size.width, height: size.height)
            }
        }
        guard header.showsFrame, state.scaler != nil else {
            state.unit.items.append(.video(packet, keep: false))
            return
        }
        if state.reducer.keep(timestampNs: packet.timestampNs) {
            state.unit.items.append(.video(packet, keep: true))
            return
        }
        state.dropped += 1
        if options.skipsUnreferencedFrames && !header.updatesDecoderState {
            state.skipped += 1
            state.unit.videoPackets -= 1
        } else {
            state.unit.items.append(.video(packet, keep: false))
        }
    }

    /// Tracks the last video timestamp and frame interval, for the copy's duration.
    private func noteVideoTime(_ packet: MediaPacket, _ state: inout DecodeState) {
        if let last = state.lastVideoNs, packet.timestampNs > last {
            state.lastVideoIntervalNs = packet.timestampNs.clampedAdding(-last)
        }
        if let duration = packet.durationNs, duration > 0 { state.lastVideoIntervalNs = duration }
        state.lastVideoNs = max(state.lastVideoNs ?? packet.timestampNs, packet.timestampNs)
    }

    /// Decodes one video packet; returns the scaled frames to encode (none when dropped).
    private func decodeVideo(_ packet: MediaPacket, _ state: inout DecodeState, _ mux: inout ReviewMuxState) throws(MediaError)
        -> [VideoFrame]
    {
        noteVideoTime(packet, &state)
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
