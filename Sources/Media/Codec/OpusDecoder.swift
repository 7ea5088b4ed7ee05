internal import COpus

/// Decodes Opus packets to 16-bit PCM at 48 kHz with libopus, down-mixing to `channels` (a stereo
/// stream decoded with one channel comes out as its mono mix). Owns one decoder state.
final class OpusDecoder {
    private let decoder: OpaquePointer
    let channels: Int
    /// Room for the longest packet (120 ms).
    private var scratch: [Int16]

    init(channels: Int) throws(MediaError) {
        var error: Int32 = 0
        guard let state = opus_decoder_create(48_000, Int32(channels), &error), error == OPUS_OK else {
            throw MediaError(.codecFailure, "libopus decoder could not start: \(String(cString: opus_strerror(error)))")
        }
        decoder = state
        self.channels = channels
        scratch = [Int16](repeating: 0, count: 5760 * channels)
    }

    deinit {
        opus_decoder_destroy(decoder)
    }

    /// Decodes one packet and appends its samples (interleaved) to `pcm`.
    func decode(_ packet: [UInt8], appendingTo pcm: inout [Int16]) throws(MediaError) {
        let frameCapacity = Int32(scratch.count / channels)
        let samples = packet.withUnsafeBufferPointer { input in
            scratch.withUnsafeMutableBufferPointer { output in
                opus_decode(decoder, input.baseAddress, Int32(input.count), output.baseAddress!, frameCapacity, 0)
            }
        }
        guard samples >= 0 else {
            throw MediaError(.codecFailure, "libopus could not decode a packet: \(String(cString: opus_strerror(samples)))")
        }
        pcm.append(contentsOf: scratch[0..<Int(samples) * channels])
    }
}
