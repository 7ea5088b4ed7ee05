/// One VP8 decoder of the review pipeline, working through its units in order on a thread of its
/// own: decodes every video packet it is given, scales the pictures marked to keep, and passes
/// audio through. After a frame fails to decode it skips to the next key frame, as one decoder
/// for the whole stream would.
final class DecodeLane {
    /// What a lane did, summed into the report.
    struct Tally: Sendable {
        var decoded = 0
        var undecodable = 0
    }

    private let decoder: VPXDecoder
    private var waitingForKeyframe = false
    private(set) var tally = Tally()

    init(threads: Int) throws(MediaError) {
        decoder = try VPXDecoder(codec: .vp8, threads: threads)
    }

    /// Decodes `unit`; returns the work for the encoding stage, in order.
    func process(_ unit: DecodeUnit) throws(MediaError) -> [WorkItem] {
        var work: [WorkItem] = []
        for item in unit.items {
            switch item {
            case .audio(let packet):
                work.append(.audio(packet))
            case .video(let packet, let keep):
                if waitingForKeyframe {
                    guard packet.isKeyframe else {
                        tally.undecodable += 1
                        continue
                    }
                    waitingForKeyframe = false
                }
                do {
                    try decoder.decode(packet.data) { picture throws(MediaError) in
                        tally.decoded += 1
                        guard keep, let scaler = unit.scaler else { return }
                        work.append(.video(try scaler.scale(picture, timestampNs: packet.timestampNs)))
                    }
                } catch where error.code == .codecFailure {
                    tally.undecodable += 1
                    waitingForKeyframe = true
                }
            }
        }
        return work
    }

    /// Takes units from `input` until it is finished, leaving each unit's work in `output`, and
    /// returns the tally. On failure, or when `output` is closed, closes both queues so that the
    /// other stages stop too.
    static func run(threads: Int, input: WorkQueue<DecodeUnit>, output: WorkQueue<[WorkItem]>) async throws(MediaError) -> Tally {
        do {
            let lane = try DecodeLane(threads: threads)
            while let unit = await input.receive() {
                guard await output.send(try lane.process(unit)) else {
                    await input.finish(discarding: true)
                    break
                }
            }
            await output.finish()
            return lane.tally
        } catch {
            await input.finish(discarding: true)
            await output.finish(discarding: true)
            throw error
        }
    }
}
