/// How the reader treats each element: which masters it enters, which payloads it reads, and at
/// which depth an element belongs (to close unknown-size elements and to refuse misplaced masters).
enum MatroskaSchema {
    enum Kind: Sendable {
        /// A master element that the reader enters.
        case master
        /// An element whose payload is read whole.
        case payload
        /// A SimpleBlock or Block: read whole, or skipped by the block filter after its header.
        case block
        /// Skipped without reading.
        case skip
    }

    static func kind(of id: UInt32) -> Kind {
        typealias ID = MatroskaID
        switch id {
        case ID.ebml, ID.segment, ID.info, ID.tracks, ID.trackEntry, ID.video, ID.audio, ID.cluster, ID.blockGroup:
            return .master
        case ID.docType, ID.timestampScale, ID.duration, ID.dateUTC, ID.trackNumber, ID.trackType, ID.codecID,
            ID.codecPrivate, ID.codecDelay, ID.seekPreRoll, ID.defaultDuration, ID.pixelWidth, ID.pixelHeight,
            ID.samplingFrequency, ID.channels, ID.timestamp, ID.blockDuration, ID.referenceBlock,
            ID.discardPadding:
            return .payload
        case ID.simpleBlock, ID.block:
            return .block
        default:
            return .skip
        }
    }

    /// The nesting depth at which `id` belongs (0 = top level), or nil for global and unknown IDs.
    static func depth(of id: UInt32) -> Int? {
        typealias ID = MatroskaID
        switch id {
        case ID.ebml, ID.segment:
            return 0
        case ID.ebmlVersion, ID.ebmlReadVersion, ID.ebmlMaxIDLength, ID.ebmlMaxSizeLength, ID.docType,
            ID.docTypeVersion, ID.docTypeReadVersion, ID.seekHead, ID.info, ID.tracks, ID.cluster, ID.cues,
            ID.chapters, ID.tags, ID.attachments:
            return 1
        case ID.timestampScale, ID.duration, ID.dateUTC, ID.muxingApp, ID.writingApp, ID.trackEntry, ID.timestamp,
            ID.position, ID.prevSize, ID.simpleBlock, ID.blockGroup, ID.seek, ID.cuePoint:
            return 2
        case ID.trackNumber, ID.trackUID, ID.trackType, ID.flagLacing, ID.defaultDuration, ID.codecID,
            ID.codecPrivate, ID.codecDelay, ID.seekPreRoll, ID.language, ID.contentEncodings, ID.video, ID.audio,
            ID.block, ID.blockDuration, ID.referenceBlock, ID.discardPadding:
            return 3
        case ID.pixelWidth, ID.pixelHeight, ID.samplingFrequency, ID.channels:
            return 4
        default:
            return nil
        }
    }
}
