extension MediaFacts {
    /// Facts for a Matroska/WebM track list.
    init(docType: String, tracks: [MediaTrack], durationNs: Int64?, dateUTCNs: Int64? = nil) {
        let video = tracks.first { $0.kind == .video }
        let audio = tracks.first { $0.kind == .audio }
        self.init(
            container: docType, durationSeconds: durationNs.map { Double($0) / 1e9 }, videoCodec: video?.codecName,
            audioCodec: audio?.codecName, width: video?.width, height: video?.height, audioChannels: audio?.channels,
            audioSampleRate: audio?.sampleRate.map { Int($0.rounded()) },
            createdUnixSeconds: dateUTCNs.map(Self.unixSeconds(matroskaDateNs:)))
    }

    /// A Matroska date (nanoseconds since 2001-01-01T00:00:00 UTC) in whole seconds since 1970, rounded down.
    static func unixSeconds(matroskaDateNs ns: Int64) -> Int64 {
        let seconds = ns / 1_000_000_000 - (ns % 1_000_000_000 < 0 ? 1 : 0)
        return seconds + 978_307_200
    }
}
