internal import CVPX

/// Encodes I420 frames to VP8 with libvpx in realtime mode. Owns one encoder context and frees it
/// in `deinit`.
final class VP8Encoder {
    /// Encoder settings.
    struct Settings: Sendable, Hashable {
        var width: Int
        var height: Int
        /// Target bitrate in kbit/s.
        var bitrateKbps: Int
        /// libvpx `cpu-used`: -16...16; negative values fix the speed instead of pacing to the clock.
        var cpuUsed: Int
        var threads: Int
        /// The most frames between key frames.
        var keyFrameInterval: Int
        /// The nominal frame rate (for rate control).
        var frameRate: Int
        /// log2 of the number of DCT token partitions (0...3); nil for one partition with one thread
        /// and two with more. Several partitions let libvpx decode a frame on several threads.
        var log2TokenPartitions: Int? = nil
    }

    /// Per-frame choices of what a frame references and refreshes (libvpx's `VP8_EFLAG_*`), as
    /// WebRTC's temporal layers set them.
    struct FrameFlags: OptionSet, Sendable {
        let rawValue: Int
        static let noUpdateLast = FrameFlags(rawValue: Int(VP8_EFLAG_NO_UPD_LAST))
        static let noUpdateGolden = FrameFlags(rawValue: Int(VP8_EFLAG_NO_UPD_GF))
        static let noUpdateAlternate = FrameFlags(rawValue: Int(VP8_EFLAG_NO_UPD_ARF))
        static let noUpdateEntropy = FrameFlags(rawValue: Int(VP8_EFLAG_NO_UPD_ENTROPY))
        /// A frame later frames are not decoded against: it refreshes no buffer and no probability.
        static let nonReference: FrameFlags = [.noUpdateLast, .noUpdateGolden, .noUpdateAlternate, .noUpdateEntropy]
    }

    /// One compressed frame.
    struct Packet: Sendable {
        var data: [UInt8]
        /// Presentation time in milliseconds (the encoder's time base).
        var timestampMs: Int64
        var isKeyframe: Bool
    }

    private let context: UnsafeMutablePointer<vpx_codec_ctx_t>
    private let image: UnsafeMutablePointer<vpx_image_t>
    let settings: Settings
    private var framesSinceKey = 0

    init(settings: Settings) throws(MediaError) {
        self.settings = settings
        var config = vpx_codec_enc_cfg_t()
        let interface = vpx_codec_vp8_cx()
        var status = vpx_codec_enc_config_default(interface, &config, 0)
        guard status == VPX_CODEC_OK else { throw Self.failure("could not read default settings", status) }
        config.g_w = UInt32(settings.width)
        config.g_h = UInt32(settings.height)
        config.g_timebase = vpx_rational(num: 1, den: 1000)
        config.g_threads = UInt32(max(1, settings.threads))
        config.g_lag_in_frames = 0
        config.g_pass = VPX_RC_ONE_PASS
        config.rc_end_usage = VPX_VBR
        config.rc_target_bitrate = UInt32(settings.bitrateKbps)
        config.rc_dropframe_thresh = 0
        config.rc_resize_allowed = 0
        config.kf_mode = VPX_KF_AUTO
        config.kf_min_dist = 0
        config.kf_max_dist = UInt32(max(1, settings.keyFrameInterval))
        context = .allocate(capacity: 1)
        context.initialize(to: vpx_codec_ctx_t())
        image = .allocate(capacity: 1)
        image.initialize(to: vpx_image_t())
        status = cvpx_enc_init(context, interface, &config, 0)
        guard status == VPX_CODEC_OK else {
            context.deallocate()
            image.deallocate()
            throw Self.failure("could not start", status)
        }
        for (name, result) in [
            ("cpu-used", cvpx_set_cpu_used(context, Int32(settings.cpuUsed))),
            ("static threshold", cvpx_set_static_threshold(context, 0)),
            ("noise sensitivity", cvpx_set_noise_sensitivity(context, 0)),
            ("token partitions", cvpx_set_token_partitions(context, Int32(settings.log2TokenPartitions ?? (settings.threads > 1 ? 1 : 0)))),
        ] where result != VPX_CODEC_OK {
            vpx_codec_destroy(context)
            context.deallocate()
            image.deallocate()
            throw Self.failure("rejected the \(name) setting", result)
        }
    }

    deinit {
        vpx_codec_destroy(context)
        context.deallocate()
        image.deallocate()
    }

    /// Encodes one frame of the configured size shown for `durationMs`; returns the packets ready
    /// (with no lag, the frame's own packet).
    func encode(_ frame: VideoFrame, durationMs: Int, forceKeyframe: Bool = false, flags: FrameFlags = []) throws(MediaError)
        -> [Packet]
    {
        guard frame.width == settings.width, frame.height == settings.height else {
            throw MediaError(.codecFailure, "a \(frame.width)x\(frame.height) frame reached a \(settings.width)x\(settings.height) encoder")
        }
        let pts = frame.timestampNs / 1_000_000
        let encodeFlags = vpx_enc_frame_flags_t(flags.rawValue) | (forceKeyframe ? vpx_enc_frame_flags_t(VPX_EFLAG_FORCE_KF) : 0)
        let status = frame.pixels.withUnsafeBufferPointer { buffer -> vpx_codec_err_t in
            let base = UnsafeMutablePointer(mutating: buffer.baseAddress!)
            guard vpx_img_wrap(image, VPX_IMG_FMT_I420, UInt32(frame.width), UInt32(frame.height), 1, base) != nil else {
                return VPX_CODEC_INVALID_PARAM
            }
            return vpx_codec_encode(context, image, pts, UInt(max(1, durationMs)), encodeFlags, UInt(VPX_DL_REALTIME))
        }
        guard status == VPX_CODEC_OK else { throw Self.failure("could not encode a frame", status) }
        return collect()
    }

    /// Drains any packets the encoder still holds.
    func flush() throws(MediaError) -> [Packet] {
        let status = vpx_codec_encode(context, nil, 0, 1, 0, UInt(VPX_DL_REALTIME))
        guard status == VPX_CODEC_OK else { throw Self.failure("could not flush", status) }
        return collect()
    }

    private func collect() -> [Packet] {
        var packets: [Packet] = []
        var iterator: vpx_codec_iter_t?
        while let packet = vpx_codec_get_cx_data(context, &iterator) {
            guard packet.pointee.kind == VPX_CODEC_CX_FRAME_PKT else { continue }
            let frame = packet.pointee.data.frame
            guard let buffer = frame.buf, frame.sz > 0 else { continue }
            packets.append(
                Packet(
                    data: Array(UnsafeRawBufferPointer(start: buffer, count: Int(frame.sz))), timestampMs: frame.pts,
                    isKeyframe: frame.flags & vpx_codec_frame_flags_t(VPX_FRAME_IS_KEY) != 0))
        }
        return packets
    }

    private static func failure(_ what: String, _ status: vpx_codec_err_t) -> MediaError {
        MediaError(.codecFailure, "libvpx VP8 encoder \(what): \(String(cString: vpx_codec_err_to_string(status)))")
    }
}
