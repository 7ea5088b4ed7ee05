/// Builds EBML elements into a byte array.
struct EBMLWriter {
    private(set) var bytes: [UInt8] = []

    /// An unsigned integer element in its minimal length, or exactly `width` bytes when given.
    mutating func unsigned(_ id: UInt32, _ value: UInt64, width: Int? = nil) {
        var length = width ?? 1
        if width == nil { while length < 8, value >> UInt64(8 * length) != 0 { length += 1 } }
        header(id, size: UInt64(length))
        for index in stride(from: length - 1, through: 0, by: -1) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * index)))
        }
    }

    /// A signed integer element in its minimal length.
    mutating func signed(_ id: UInt32, _ value: Int64) {
        var length = 1
        while length < 8, !(Int64(-1) << Int64(8 * length - 1) <= value && value < Int64(1) << Int64(8 * length - 1)) {
            length += 1
        }
        header(id, size: UInt64(length))
        for index in stride(from: length - 1, through: 0, by: -1) {
            bytes.append(UInt8(truncatingIfNeeded: value >> Int64(8 * index)))
        }
    }

    /// An 8-byte float element.
    mutating func float(_ id: UInt32, _ value: Double) {
        unsigned(id, value.bitPattern, width: 8)
    }

    mutating func string(_ id: UInt32, _ value: String) {
        binary(id, Array(value.utf8))
    }

    mutating func binary(_ id: UInt32, _ value: [UInt8]) {
        header(id, size: UInt64(value.count))
        bytes += value
    }

    /// A master element whose children `body` writes; its size is filled in afterwards.
    mutating func master(_ id: UInt32, sizeWidth: Int? = nil, _ body: (inout EBMLWriter) -> Void) {
        var child = EBMLWriter()
        body(&child)
        header(id, size: UInt64(child.bytes.count), sizeWidth: sizeWidth)
        bytes += child.bytes
    }

    /// An element ID and size.
    mutating func header(_ id: UInt32, size: UInt64, sizeWidth: Int? = nil) {
        bytes += EBMLVarInt.encodeID(id)
        bytes += EBMLVarInt.encodeSize(size, length: sizeWidth)
    }

    /// An element ID with the unknown-size marker (for live output).
    mutating func unknownSizeHeader(_ id: UInt32) {
        bytes += EBMLVarInt.encodeID(id)
        bytes += EBMLVarInt.unknownSize
    }

    mutating func append(_ raw: [UInt8]) {
        bytes += raw
    }
}
