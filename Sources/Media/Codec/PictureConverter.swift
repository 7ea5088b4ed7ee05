internal import CVPX
internal import CYUV

/// Converts decoded VP9 pictures that are not 8-bit 4:2:0 (profile 1: 4:2:2 and 4:4:4; profile 2
/// and 3: 10 or 12 bits) to 8-bit I420 with libyuv, into one buffer it owns and reuses, so the
/// rest of the pipeline sees only I420. 4:4:0 and 12-bit 4:2:2/4:4:4, which libyuv cannot convert,
/// are refused by name.
final class PictureConverter {
    private var buffer: UnsafeMutablePointer<UInt8>?
    private var capacity = 0

    init() {}

    deinit { buffer?.deallocate() }

    /// A short name for a libvpx picture format, for messages.
    static func describe(_ image: vpx_image_t) -> String {
        let depth = image.bit_depth > 8 ? "\(image.bit_depth)-bit" : "8-bit"
        let base = vpx_img_fmt_t(rawValue: image.fmt.rawValue & ~UInt32(VPX_IMG_FMT_HIGHBITDEPTH))
        let sampling =
            base == VPX_IMG_FMT_I420 || base == VPX_IMG_FMT_YV12 ? "4:2:0"
            : base == VPX_IMG_FMT_I422 ? "4:2:2" : base == VPX_IMG_FMT_I444 ? "4:4:4" : base == VPX_IMG_FMT_I440 ? "4:4:0" : "format \(image.fmt.rawValue)"
        return "\(depth) \(sampling)"
    }

    /// `image` as an 8-bit 4:2:0 picture, valid until the next call.
    func convert(_ image: vpx_image_t) throws(MediaError) -> DecodedPicture {
        let width = Int(image.d_w)
        let height = Int(image.d_h)
        let chromaWidth = (width + 1) / 2
        let chromaHeight = (height + 1) / 2
        guard let sourceY = image.planes.0, let sourceU = image.planes.1, let sourceV = image.planes.2, width > 0, height > 0
        else { throw MediaError(.codecFailure, "libvpx returned an empty picture") }
        let needed = width * height + 2 * chromaWidth * chromaHeight
        if needed > capacity {
            buffer?.deallocate()
            buffer = .allocate(capacity: needed)
            capacity = needed
        }
        let y = buffer!
        let u = y + width * height
        let v = u + chromaWidth * chromaHeight
        let strides = (Int32(image.stride.0), Int32(image.stride.1), Int32(image.stride.2))
        let (w, h, cw) = (Int32(width), Int32(height), Int32(chromaWidth))
        let format = image.fmt
        let status: Int32
        if format == VPX_IMG_FMT_I444 {
            status = I444ToI420(sourceY, strides.0, sourceU, strides.1, sourceV, strides.2, y, w, u, cw, v, cw, w, h)
        } else if format == VPX_IMG_FMT_I422 {
            status = I422ToI420(sourceY, strides.0, sourceU, strides.1, sourceV, strides.2, y, w, u, cw, v, cw, w, h)
        } else if format.rawValue & UInt32(VPX_IMG_FMT_HIGHBITDEPTH) != 0, image.bit_depth == 10 || image.bit_depth == 12 {
            // High bit depth planes hold 16-bit samples; libyuv counts their strides in samples.
            let y16 = UnsafeRawPointer(sourceY).assumingMemoryBound(to: UInt16.self)
            let u16 = UnsafeRawPointer(sourceU).assumingMemoryBound(to: UInt16.self)
            let v16 = UnsafeRawPointer(sourceV).assumingMemoryBound(to: UInt16.self)
            let s16 = (strides.0 / 2, strides.1 / 2, strides.2 / 2)
            switch (format, image.bit_depth) {
            case (VPX_IMG_FMT_I42016, 10):
                status = I010ToI420(y16, s16.0, u16, s16.1, v16, s16.2, y, w, u, cw, v, cw, w, h)
            case (VPX_IMG_FMT_I42016, 12):
                status = I012ToI420(y16, s16.0, u16, s16.1, v16, s16.2, y, w, u, cw, v, cw, w, h)
            case (VPX_IMG_FMT_I42216, 10):
                status = I210ToI420(y16, s16.0, u16, s16.1, v16, s16.2, y, w, u, cw, v, cw, w, h)
            case (VPX_IMG_FMT_I44416, 10):
                status = I410ToI420(y16, s16.0, u16, s16.1, v16, s16.2, y, w, u, cw, v, cw, w, h)
            default:
                throw Self.refusal(image)
            }
        } else {
            throw Self.refusal(image)
        }
        guard status == 0 else {
            throw MediaError(.codecFailure, "libyuv could not convert a \(Self.describe(image)) picture to 4:2:0 (\(status))")
        }
        return DecodedPicture(
            width: width, height: height, y: UnsafePointer(y), u: UnsafePointer(u), v: UnsafePointer(v), yStride: width,
            uStride: chromaWidth, vStride: chromaWidth)
    }

    private static func refusal(_ image: vpx_image_t) -> MediaError {
        MediaError(
            .unsupportedCodec,
            "decoded VP9 pictures are \(describe(image)), which cannot be converted; 8-bit 4:2:0, 4:2:2 and 4:4:4, 10-bit 4:2:0, 4:2:2 and 4:4:4, and 12-bit 4:2:0 can")
    }
}
