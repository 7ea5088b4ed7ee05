/// Picks the tracks a profile uses and explains, by name, why a track cannot be used.
struct TrackSelection {
    var video: MediaTrack?
    var audio: MediaTrack?

    init(_ tracks: [MediaTrack]) {
        video = tracks.first { $0.kind == .video }
        audio = tracks.first { $0.kind == .audio }
    }

    var audioIsOpus: Bool { audio?.codecID == "A_OPUS" }

    /// The audio track, which must be Opus and plain (no content encoding).
    func requireOpusAudio() throws(MediaError) -> MediaTrack {
        guard let audio else { throw MediaError(.noUsableTrack, "the input has no audio track") }
        guard audio.codecID == "A_OPUS" else {
            throw MediaError(.unsupportedCodec, "audio codec \(audio.codecName) (\(audio.codecID)) is not supported; only Opus audio can be used")
        }
        guard !audio.hasContentEncoding else {
            throw MediaError(.unsupportedFeature, "the Opus track is compressed or encrypted (ContentEncodings)")
        }
        return audio
    }

    /// The video decoder's codec, or an error naming the codec and saying whether the audio profile
    /// can still be used.
    func requireDecodableVideo() throws(MediaError) -> (MediaTrack, VPXDecoder.Codec)? {
        guard let video else { return nil }
        guard let codec = VPXDecoder.Codec(codecID: video.codecID) else {
            let hint = audioIsOpus ? "; the audio profile can still copy its Opus audio" : ""
            throw MediaError(.unsupportedCodec, "video codec \(video.codecName) (\(video.codecID)) cannot be decoded; only VP8 and VP9 can\(hint)")
        }
        guard !video.hasContentEncoding else {
            throw MediaError(.unsupportedFeature, "the video track is compressed or encrypted (ContentEncodings)")
        }
        return (video, codec)
    }
}
