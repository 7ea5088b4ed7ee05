/// The header of one EBML element: its ID, its payload size and where it sits in the input.
struct EBMLElementHeader: Sendable, Hashable {
    /// The element ID, marker bits included (e.g. 0x1A45DFA3).
    let id: UInt32
    /// The payload size, or nil for an element of unknown size.
    let size: UInt64?
    /// The offset of the element's first header byte in the input.
    let offset: Int64
    /// The number of header bytes (ID and size).
    let headerLength: Int

    /// The offset of the payload's first byte.
    var dataOffset: Int64 { offset + Int64(headerLength) }
}

/// What the EBML reader found next.
enum EBMLEvent: Sendable {
    /// A master element begins; its children follow until the matching `exit`.
    case enter(EBMLElementHeader)
    /// The innermost open master element ended.
    case exit(id: UInt32)
    /// An element whose payload was read whole.
    case element(EBMLElementHeader, [UInt8])
    /// An element that was skipped without reading its payload.
    case skipped(EBMLElementHeader)
    /// A (Simple)Block of a track that the block filter rejects: its header fields only.
    case skippedBlock(EBMLElementHeader, track: UInt64, relativeTimestamp: Int16, flags: UInt8)
}
