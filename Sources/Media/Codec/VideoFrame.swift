/// A picture in I420 (planar 4:2:0, 8 bits) held in one contiguous buffer: the Y plane, then U,
/// then V, each row packed without padding. Width and height are even.
struct VideoFrame: Sendable {
    let width: Int
    let height: Int
    /// Presentation time in nanoseconds.
    let timestampNs: Int64
    var pixels: [UInt8]

    var lumaSize: Int { width * height }
    var chromaSize: Int { (width / 2) * (height / 2) }

    /// A frame of the given even size: black, or with its pixels left for the caller to write
    /// when every pixel will be written anyway.
    init(width: Int, height: Int, timestampNs: Int64, black: Bool = true) {
        self.width = width
        self.height = height
        self.timestampNs = timestampNs
        let luma = width * height
        let chroma = (width / 2) * (height / 2)
        if black {
            pixels = [UInt8](repeating: 16, count: luma) + [UInt8](repeating: 128, count: 2 * chroma)
        } else {
            pixels = [UInt8](unsafeUninitializedCapacity: luma + 2 * chroma) { _, count in count = luma + 2 * chroma }
        }
    }
}

/// A decoded picture borrowed from the decoder: valid only until the next decode call.
struct DecodedPicture {
    let width: Int
    let height: Int
    let y: UnsafePointer<UInt8>
    let u: UnsafePointer<UInt8>
    let v: UnsafePointer<UInt8>
    let yStride: Int
    let uStride: Int
    let vStride: Int
}
