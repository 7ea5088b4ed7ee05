/// Orders packets of several tracks by timestamp before muxing. A packet is released once every
/// open track has a later (or equal) one queued, or when a queue passes `maxQueued` (a stalled track
/// must not make memory grow).
struct PacketInterleaver {
    private var queues: [UInt64: [MediaPacket]] = [:]
    private var open: Set<UInt64>
    private let maxQueued: Int

    init(tracks: [UInt64], maxQueued: Int = 1_000) {
        open = Set(tracks)
        for track in tracks { queues[track] = [] }
        self.maxQueued = maxQueued
    }

    mutating func push(_ packet: MediaPacket) {
        queues[packet.track, default: []].append(packet)
    }

    /// Marks a track as having no more packets.
    mutating func close(_ track: UInt64) {
        open.remove(track)
    }

    /// Packets that can be written now, in order. With `all`, everything queued.
    mutating func pop(all: Bool = false) -> [MediaPacket] {
        var out: [MediaPacket] = []
        while true {
            // Ties go to the lower track number, so the output does not depend on hashing order.
            let heads = queues.compactMap { track, queue in queue.first.map { (track, $0.timestampNs) } }
            guard let earliest = heads.min(by: { ($0.1, $0.0) < ($1.1, $1.0) }) else { break }
            let blocked = open.contains { track in queues[track]?.isEmpty ?? true }
            let overflowing = queues.values.contains { $0.count > maxQueued }
            guard all || !blocked || overflowing else { break }
            out.append(queues[earliest.0]!.removeFirst())
        }
        return out
    }
}
