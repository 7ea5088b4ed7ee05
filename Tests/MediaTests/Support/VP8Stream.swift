@testable import Media

/// VP8 streams made with our own encoder, for what ffmpeg cannot make: WebRTC-style temporal
/// layers whose top-layer frames refresh nothing (`VP8Encoder.FrameFlags.nonReference`), and
/// several token partitions.
struct VP8Stream {
    var width = 320
    var height = 240
    var frames = 60
    /// A key frame every `keyframeInterval` frames (only the first when nil).
    var keyframeInterval: Int? = nil
    /// Odd frames are a top temporal layer that nothing references (L1T2).
    var twoLayers = false
    var log2TokenPartitions: Int? = nil

    /// The encoded frames at 30 fps, timestamps in milliseconds.
    func packets() throws -> [VP8Encoder.Packet] {
        let encoder = try VP8Encoder(
            settings: .init(
                width: width, height: height, bitrateKbps: 600, cpuUsed: -8, threads: 1, keyFrameInterval: 10_000,
                frameRate: 30, log2TokenPartitions: log2TokenPartitions))
        var packets: [VP8Encoder.Packet] = []
        for index in 0..<frames {
            let frame = picture(index)
            let key = index == 0 || keyframeInterval.map { index % $0 == 0 } ?? false
            let flags: VP8Encoder.FrameFlags = twoLayers && index % 2 == 1 && !key ? .nonReference : []
            packets += try encoder.encode(frame, durationMs: 33, forceKeyframe: key, flags: flags)
        }
        return packets + (try encoder.flush())
    }

    /// A WebM file holding the stream as track 1, one cluster per second.
    func webm() throws -> [UInt8] {
        var builder = WebMBuilder()
        var clusters: [Int64: [UInt8]] = [:]
        for packet in try packets() {
            let second = packet.timestampMs / 1000 * 1000
            clusters[second, default: []] += WebMBuilder.simpleBlock(
                relative: Int16(packet.timestampMs - second), flags: packet.isKeyframe ? 0x80 : 0, packet.data)
        }
        builder.clusters = clusters.keys.sorted().map { (UInt64($0), clusters[$0]!) }
        return builder.build()
    }

    /// A moving pattern with some texture, so that inter frames carry real residuals.
    private func picture(_ index: Int) -> VideoFrame {
        var frame = VideoFrame(width: width, height: height, timestampNs: Int64(index) * 1_000_000_000 / 30, black: false)
        let luma = frame.lumaSize
        let chroma = frame.chromaSize
        frame.pixels.withUnsafeMutableBufferPointer { pixels in
            for y in 0..<height {
                for x in 0..<width {
                    let inBox = (x - index * 3) & 127 < 48 && (y + index * 2) & 63 < 24
                    let texture = (x &* 7 ^ y &* 13 ^ index) & 15
                    pixels[y * width + x] = UInt8(truncatingIfNeeded: inBox ? 220 - texture : (x + y + index * 4) / 3 + texture)
                }
            }
            for i in 0..<chroma {
                pixels[luma + i] = UInt8(truncatingIfNeeded: 128 + (i + index) % 40 - 20)
                pixels[luma + chroma + i] = UInt8(truncatingIfNeeded: 128 - (i / 7 + index) % 30 + 15)
            }
        }
        return frame
    }
}
