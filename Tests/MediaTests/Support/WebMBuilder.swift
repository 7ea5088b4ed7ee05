@testable import Media

/// Builds small WebM files by hand for parser and hostile-input tests.
struct WebMBuilder {
    var docType = "webm"
    var timestampScale: UInt64 = 1_000_000
    var unknownSizes = false
    var tracks: [(number: UInt64, type: UInt64, codec: String, codecPrivate: [UInt8])] = [(1, 1, "V_VP8", [])]
    /// Cluster timestamp and raw cluster children (blocks).
    var clusters: [(timestamp: UInt64, children: [UInt8])] = []

    static func ebmlHeader(docType: String = "webm") -> [UInt8] {
        var writer = EBMLWriter()
        writer.master(MatroskaID.ebml) { e in
            e.unsigned(MatroskaID.ebmlVersion, 1)
            e.string(MatroskaID.docType, docType)
        }
        return writer.bytes
    }

    /// A SimpleBlock element.
    static func simpleBlock(track: UInt8 = 1, relative: Int16 = 0, flags: UInt8 = 0x80, _ payload: [UInt8]) -> [UInt8] {
        var writer = EBMLWriter()
        let body = [0x80 | track, UInt8(truncatingIfNeeded: UInt16(bitPattern: relative) >> 8), UInt8(truncatingIfNeeded: relative), flags] + payload
        writer.binary(MatroskaID.simpleBlock, body)
        return writer.bytes
    }

    func build() -> [UInt8] {
        var segment = EBMLWriter()
        segment.master(MatroskaID.info) { e in e.unsigned(MatroskaID.timestampScale, timestampScale) }
        segment.master(MatroskaID.tracks) { list in
            for track in tracks {
                list.master(MatroskaID.trackEntry) { e in
                    e.unsigned(MatroskaID.trackNumber, track.number)
                    e.unsigned(MatroskaID.trackType, track.type)
                    e.string(MatroskaID.codecID, track.codec)
                    if !track.codecPrivate.isEmpty { e.binary(MatroskaID.codecPrivate, track.codecPrivate) }
                    if track.type == 1 {
                        e.master(MatroskaID.video) { v in
                            v.unsigned(MatroskaID.pixelWidth, 64)
                            v.unsigned(MatroskaID.pixelHeight, 48)
                        }
                    }
                }
            }
        }
        for cluster in clusters {
            var body = EBMLWriter()
            body.unsigned(MatroskaID.timestamp, cluster.timestamp)
            body.append(cluster.children)
            if unknownSizes {
                segment.unknownSizeHeader(MatroskaID.cluster)
            } else {
                segment.header(MatroskaID.cluster, size: UInt64(body.bytes.count))
            }
            segment.append(body.bytes)
        }
        var file = EBMLWriter()
        file.append(Self.ebmlHeader(docType: docType))
        if unknownSizes {
            file.unknownSizeHeader(MatroskaID.segment)
        } else {
            file.header(MatroskaID.segment, size: UInt64(segment.bytes.count))
        }
        file.append(segment.bytes)
        return file.bytes
    }
}

/// Demuxes bytes in memory completely.
func demuxAll(_ bytes: [UInt8], chunkSize: Int = 7, limits: DemuxLimits = DemuxLimits()) async throws(MediaError)
    -> (tracks: [MediaTrack], packets: [MediaPacket], end: WebMDemuxer.EndState)
{
    var demuxer = WebMDemuxer(limits: limits)
    var source = MemoryByteSource(bytes, chunkSize: chunkSize)
    var packets: [MediaPacket] = []
    while let event = try await demuxer.next(from: &source) {
        if case .packet(let packet) = event { packets.append(packet) }
    }
    return (demuxer.tracks, packets, demuxer.endState)
}
