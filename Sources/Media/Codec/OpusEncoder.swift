internal import COpus

/// Encodes 48 kHz 16-bit PCM to Opus with libopus (VoIP application; optionally told the signal is
/// voice, which keeps it in its speech modes). Owns one encoder state.
final class OpusEncoder {
    private let encoder: OpaquePointer
    let channels: Int
    /// The encoder's look-ahead in samples: the stream's pre-skip.
    let lookahead: Int
    private var output = [UInt8](repeating: 0, count: 4000)

    init(channels: Int, bitrate: Int, complexity: Int, voiceSignal: Bool) throws(MediaError) {
        var error: Int32 = 0
        guard let state = opus_encoder_create(48_000, Int32(channels), OPUS_APPLICATION_VOIP, &error), error == OPUS_OK else {
            throw MediaError(.codecFailure, "libopus encoder could not start: \(String(cString: opus_strerror(error)))")
        }
        encoder = state
        self.channels = channels
        var delay: Int32 = 0
        for (name, status) in [
            ("bitrate", copus_encoder_set_bitrate(state, Int32(bitrate))),
            ("complexity", copus_encoder_set_complexity(state, Int32(complexity))),
            ("signal", voiceSignal ? copus_encoder_set_signal_voice(state) : OPUS_OK),
            ("lookahead", copus_encoder_get_lookahead(state, &delay)),
        ] where status != OPUS_OK {
            opus_encoder_destroy(state)
            throw MediaError(.codecFailure, "libopus encoder rejected the \(name) setting: \(String(cString: opus_strerror(status)))")
        }
        lookahead = Int(delay)
    }

    deinit {
        opus_encoder_destroy(encoder)
    }

    /// Encodes exactly one 20 ms frame (960 samples per channel, interleaved).
    func encode(_ pcm: ArraySlice<Int16>) throws(MediaError) -> [UInt8] {
        let frameSize = pcm.count / channels
        let length = pcm.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                opus_encode(encoder, input.baseAddress!, Int32(frameSize), out.baseAddress!, Int32(out.count))
            }
        }
        guard length > 0 else {
            throw MediaError(.codecFailure, "libopus could not encode a frame: \(String(cString: opus_strerror(length)))")
        }
        return Array(output[0..<Int(length)])
    }
}
