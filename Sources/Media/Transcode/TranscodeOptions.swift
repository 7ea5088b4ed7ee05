/// Settings of a review copy. The defaults are the `review` profile's; tests and benchmarks may
/// tune the speed settings.
public struct TranscodeOptions: Sendable, Hashable {
    /// The box the video is fitted into (aspect ratio kept, even dimensions).
    public var maxWidth = 640
    public var maxHeight = 360
    /// The highest output frame rate; frames above it are decoded but not scaled or encoded.
    public var maxFrameRate = 15
    /// VP8 target bitrate in kbit/s.
    public var videoBitrateKbps = 400
    /// The longest time between video key frames (and so the longest cluster), in seconds.
    public var keyFrameIntervalSeconds = 3
    /// libvpx `cpu-used` (-16...16). Negative values give a fixed speed instead of pacing to the
    /// frame clock, which is what a batch transcode wants.
    public var encoderCPUUsed = -16
    /// VP8 encoder threads (the decoder runs on the other core meanwhile).
    public var encoderThreads = 1
    /// libvpx decoder threads per decoder (VP9 decodes rows in parallel; VP8 only with token
    /// partitions).
    public var decoderThreads = 2
    /// VP8 decoders working side by side, each on whole runs from a key frame to the next (a key
    /// frame resets every decoder state, so the pictures are the same as one decoder's). Runs of up
    /// to a few seconds overlap (the queues between stages are bounded); longer ones are decoded by
    /// one lane while the next waits.
    public var decoderLanes = 2
    /// Leaves undecoded the VP8 frames the frame-rate reduction drops when no later frame depends
    /// on them (see `VP8FrameHeader`); the copy is the same either way.
    public var skipsUnreferencedFrames = true
    /// Opus target bitrate in bit/s, and encoder complexity (0...10).
    public var audioBitrate = 24_000
    public var audioComplexity = 8
    /// Tells the Opus encoder the signal is speech, keeping it in its SILK/hybrid modes. Off by
    /// default: at complexity 7 and above libopus detects speech itself, and forcing it costs about
    /// three times the encoding time on music or tones.
    public var audioVoiceSignal = false
    /// How much lower than the process's CPU priority the transcode's threads run (Linux `nice`
    /// steps, 0...19): a copy made in the background takes only the CPU that other work leaves.
    public var niceIncrement: Int32 = 0
    /// Bounds on what the demuxer accepts.
    public var demuxLimits = DemuxLimits()

    /// The defaults of the `review` profile.
    public init() {}
}
