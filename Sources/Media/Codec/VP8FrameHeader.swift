/// What the start of a VP8 frame says (RFC 6386, sections 9.1-9.7 and 19.2): whether it is a key
/// frame, whether it is shown, a key frame's size, and whether decoding it changes any state that
/// later frames are decoded against.
///
/// That last answer is what lets the review pipeline leave a dropped frame undecoded: a frame that
/// refreshes no reference buffer, keeps its entropy updates to itself (`refresh_entropy_probs` = 0)
/// and updates neither the segmentation nor the loop-filter deltas leaves the decoder exactly as it
/// found it. WebRTC's temporal layers make such frames (the top layer of L1T2/L1T3), which are the
/// ones a 15 fps copy of a 30 fps stream drops.
struct VP8FrameHeader: Equatable {
    var isKeyframe: Bool
    /// `show_frame`: false for a hidden frame (an alternate reference), which no picture comes from.
    var showsFrame: Bool
    /// A key frame's picture size; nil for an inter frame.
    var width: Int?
    var height: Int?
    /// Whether decoding this frame changes what later frames are decoded against. Always true for
    /// a key frame, and for any frame whose header cannot be read whole (libvpx is then the judge).
    var updatesDecoderState: Bool

    /// Reads the header of `frame`; nil when it is too short or a key frame lacks its start code.
    init?(_ frame: [UInt8]) {
        guard frame.count >= 3 else { return nil }
        let tag = Int(frame[0]) | Int(frame[1]) << 8 | Int(frame[2]) << 16
        isKeyframe = tag & 1 == 0
        showsFrame = (tag >> 4) & 1 == 1
        let firstPartitionSize = tag >> 5
        if isKeyframe {
            guard frame.count >= 10, frame[3] == 0x9d, frame[4] == 0x01, frame[5] == 0x2a else { return nil }
            width = (Int(frame[6]) | Int(frame[7]) << 8) & 0x3fff
            height = (Int(frame[8]) | Int(frame[9]) << 8) & 0x3fff
            updatesDecoderState = true
            return
        }
        width = nil
        height = nil
        guard firstPartitionSize > 0, frame.count - 3 >= firstPartitionSize else {
            updatesDecoderState = true
            return
        }
        updatesDecoderState = Self.interFrameUpdatesState(VP8BoolDecoder(frame[3..<(3 + firstPartitionSize)]))
    }

    /// Walks an inter frame's compressed header up to `refresh_last` (RFC 6386, section 19.2).
    private static func interFrameUpdatesState(_ header: VP8BoolDecoder) -> Bool {
        var bits = header
        var updates = false
        if bits.flag() {  // segmentation_enabled
            let updatesMap = bits.flag()
            let updatesData = bits.flag()
            updates = updates || updatesMap || updatesData
            if updatesData {
                _ = bits.flag()  // segment_feature_mode
                for _ in 0..<4 { bits.skipOptional(7) }  // quantizer
                for _ in 0..<4 { bits.skipOptional(6) }  // loop filter level
            }
            if updatesMap {
                for _ in 0..<3 { bits.skipOptional(8, signed: false) }  // segment_prob
            }
        }
        _ = bits.literal(1 + 6 + 3)  // filter_type, loop_filter_level, sharpness_level
        if bits.flag(), bits.flag() {  // loop_filter_adj_enable, mode_ref_lf_delta_update
            updates = true
            for _ in 0..<8 { bits.skipOptional(6) }
        }
        _ = bits.literal(2)  // log2_nbr_of_dct_partitions
        _ = bits.literal(7)  // y_ac_qi
        for _ in 0..<5 { bits.skipOptional(4) }  // the other quantizer deltas
        let refreshGolden = bits.flag()
        let refreshAlternate = bits.flag()
        let copyToGolden = refreshGolden ? 0 : bits.literal(2)
        let copyToAlternate = refreshAlternate ? 0 : bits.literal(2)
        _ = bits.literal(2)  // sign_bias_golden, sign_bias_alternate
        let refreshEntropy = bits.flag()
        let refreshLast = bits.flag()
        return updates || refreshGolden || refreshAlternate || copyToGolden != 0 || copyToAlternate != 0 || refreshEntropy
            || refreshLast
    }
}
