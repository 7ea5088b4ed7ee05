@testable import Media

/// Rewrites a WebM file the way browsers' MediaRecorder writes one: unknown-size Segment and
/// Clusters, no SeekHead, Duration or Cues, and (here) audio packets laced several to a block.
enum LiveRemuxer {
    enum Lacing {
        case none, xiph, ebml
    }

    static func remux(
        _ input: [UInt8], lacing: Lacing, packetsPerLace: Int = 3, clusterMs: Int64 = 1000, droppingAudio dropped: Range<Int> = 0..<0
    ) async throws -> [UInt8] {
        let (tracks, allPackets, _) = try await demuxAll(input, chunkSize: 1 << 16)
        let audioNumber = tracks.first { $0.kind == .audio }?.number
        var audioIndex = -1
        let packets = allPackets.filter { packet in
            guard packet.track == audioNumber else { return true }
            audioIndex += 1
            return !dropped.contains(audioIndex)
        }
        var out = EBMLWriter()
        out.append(WebMBuilder.ebmlHeader())
        out.unknownSizeHeader(MatroskaID.segment)
        out.master(MatroskaID.info) { e in e.unsigned(MatroskaID.timestampScale, 1_000_000) }
        out.master(MatroskaID.tracks) { list in
            for track in tracks {
                list.master(MatroskaID.trackEntry) { e in
                    e.unsigned(MatroskaID.trackNumber, track.number)
                    e.unsigned(MatroskaID.trackType, track.kind == .video ? 1 : 2)
                    e.string(MatroskaID.codecID, track.codecID)
                    if !track.codecPrivate.isEmpty { e.binary(MatroskaID.codecPrivate, track.codecPrivate) }
                    if track.codecDelayNs > 0 { e.unsigned(MatroskaID.codecDelay, UInt64(track.codecDelayNs)) }
                    if track.kind == .video {
                        e.master(MatroskaID.video) { v in
                            v.unsigned(MatroskaID.pixelWidth, UInt64(track.width ?? 0))
                            v.unsigned(MatroskaID.pixelHeight, UInt64(track.height ?? 0))
                        }
                    } else {
                        e.master(MatroskaID.audio) { a in
                            a.float(MatroskaID.samplingFrequency, track.sampleRate ?? 48_000)
                            a.unsigned(MatroskaID.channels, UInt64(track.channels ?? 2))
                        }
                    }
                }
            }
        }
        let audioTrack = tracks.first { $0.kind == .audio }?.number
        var clusterMsStart: Int64?
        var pendingAudio: [MediaPacket] = []

        func block(_ group: [MediaPacket], into out: inout EBMLWriter, clusterStart: Int64) {
            let first = group[0]
            let relative = Int16(first.timestampNs / 1_000_000 - clusterStart)
            var body: [UInt8] = [0x80 | UInt8(first.track), UInt8(truncatingIfNeeded: UInt16(bitPattern: relative) >> 8), UInt8(truncatingIfNeeded: relative)]
            var flags: UInt8 = first.isKeyframe ? 0x80 : 0
            if group.count > 1 {
                flags |= lacing == .xiph ? 0x02 : 0x06
                body.append(flags)
                body.append(UInt8(group.count - 1))
                if lacing == .xiph {
                    for packet in group.dropLast() {
                        body += [UInt8](repeating: 255, count: packet.data.count / 255) + [UInt8(packet.data.count % 255)]
                    }
                } else {
                    body += EBMLVarInt.encodeSize(UInt64(group[0].data.count))
                    for index in 1..<(group.count - 1) {
                        let difference = group[index].data.count - group[index - 1].data.count
                        let biased = UInt64(difference + 8191)
                        body += [UInt8(0x40 | (biased >> 8)), UInt8(biased & 0xFF)]
                    }
                }
            } else {
                body.append(flags)
            }
            for packet in group { body += packet.data }
            out.binary(MatroskaID.simpleBlock, body)
        }

        for packet in packets {
            let ms = packet.timestampNs / 1_000_000
            if clusterMsStart == nil || (packet.isKeyframe && packet.track != audioTrack) || ms - clusterMsStart! >= clusterMs {
                if let start = clusterMsStart, !pendingAudio.isEmpty {
                    block(pendingAudio, into: &out, clusterStart: start)
                    pendingAudio = []
                }
                clusterMsStart = ms
                out.unknownSizeHeader(MatroskaID.cluster)
                out.unsigned(MatroskaID.timestamp, UInt64(ms))
            }
            if packet.track == audioTrack && lacing != .none {
                pendingAudio.append(packet)
                if pendingAudio.count == packetsPerLace {
                    block(pendingAudio, into: &out, clusterStart: clusterMsStart!)
                    pendingAudio = []
                }
            } else {
                block([packet], into: &out, clusterStart: clusterMsStart!)
            }
        }
        if let start = clusterMsStart, !pendingAudio.isEmpty { block(pendingAudio, into: &out, clusterStart: start) }
        return out.bytes
    }
}
