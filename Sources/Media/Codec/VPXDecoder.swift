internal import CVPX

/// Decodes VP8 or VP9 frames with libvpx. Owns one decoder context and frees it in `deinit`.
final class VPXDecoder {
    /// Which bitstream to decode.
    enum Codec: Sendable {
        case vp8, vp9

        init?(codecID: String) {
            switch codecID {
            case "V_VP8": self = .vp8
            case "V_VP9": self = .vp9
            default: return nil
            }
        }
    }

    private let context: UnsafeMutablePointer<vpx_codec_ctx_t>
    /// Turns VP9 profile 1-3 pictures into 4:2:0 8-bit ones.
    private let converter = PictureConverter()
    let codec: Codec

    /// Creates a decoder using up to `threads` threads (VP9 decodes rows in parallel; VP8 uses
    /// threads when the stream has several token partitions).
    init(codec: Codec, threads: Int) throws(MediaError) {
        self.codec = codec
        context = .allocate(capacity: 1)
        context.initialize(to: vpx_codec_ctx_t())
        var config = vpx_codec_dec_cfg_t(threads: UInt32(max(1, threads)), w: 0, h: 0)
        let interface = codec == .vp8 ? vpx_codec_vp8_dx() : vpx_codec_vp9_dx()
        let status = cvpx_dec_init(context, interface, &config, 0)
        guard status == VPX_CODEC_OK else {
            context.deallocate()
            throw MediaError(.codecFailure, "libvpx decoder could not start: \(String(cString: vpx_codec_err_to_string(status)))")
        }
        if codec == .vp9 && threads > 1 {
            // Row-based multithreading is an optimisation; a decoder without it still works.
            _ = cvpx_vp9_set_row_mt(context, 1)
        }
    }

    deinit {
        vpx_codec_destroy(context)
        context.deallocate()
    }

    /// Which reference buffers the last VP8 frame decoded refreshed (libvpx's
    /// `VP8D_GET_LAST_REF_UPDATES`: 1 last, 2 golden, 4 alternate); nil for VP9 or on failure.
    var lastReferenceUpdates: Int? {
        guard codec == .vp8 else { return nil }
        var updates: Int32 = 0
        return cvpx_vp8_last_ref_updates(context, &updates) == VPX_CODEC_OK ? Int(updates) : nil
    }

    /// Decodes one frame and calls `body` with each picture it shows (none for a hidden frame).
    /// The picture is valid only inside `body`.
    func decode(_ frame: [UInt8], _ body: (DecodedPicture) throws(MediaError) -> Void) throws(MediaError) {
        let status = frame.withUnsafeBufferPointer {
            vpx_codec_decode(context, $0.baseAddress, UInt32($0.count), nil, 0)
        }
        guard status == VPX_CODEC_OK else {
            let detail = vpx_codec_error_detail(context).map { String(cString: $0) } ?? ""
            throw MediaError(.codecFailure, "libvpx could not decode a frame: \(String(cString: vpx_codec_err_to_string(status))) \(detail)")
        }
        var iterator: vpx_codec_iter_t?
        while let image = vpx_codec_get_frame(context, &iterator) {
            let picture = image.pointee
            guard picture.fmt == VPX_IMG_FMT_I420 || picture.fmt == VPX_IMG_FMT_YV12 else {
                try body(try converter.convert(picture))
                continue
            }
            guard let y = picture.planes.0, let u = picture.planes.1, let v = picture.planes.2, picture.d_w > 0, picture.d_h > 0 else {
                throw MediaError(.codecFailure, "libvpx returned an empty picture")
            }
            let swap = picture.fmt == VPX_IMG_FMT_YV12
            try body(
                DecodedPicture(
                    width: Int(picture.d_w), height: Int(picture.d_h), y: UnsafePointer(y),
                    u: UnsafePointer(swap ? v : u), v: UnsafePointer(swap ? u : v), yStride: Int(picture.stride.0),
                    uStride: Int(swap ? picture.stride.2 : picture.stride.1),
                    vStride: Int(swap ? picture.stride.1 : picture.stride.2)))
        }
    }
}
