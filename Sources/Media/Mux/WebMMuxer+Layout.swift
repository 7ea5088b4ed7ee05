/// The parts of the file before and after the clusters: EBML header, SeekHead, Info, Tracks, Cues.
/// Every field that changes at the end (Segment size, Duration, Cues position) has a fixed width, so
/// the header has the same length before and after it is patched.
extension WebMMuxer {
    /// Offset of the Segment's payload from the file start (EBML header + Segment ID + 8-byte size).
    var segmentDataStart: Int { ebmlHeader().count + 4 + 8 }

    func ebmlHeader() -> [UInt8] {
        var writer = EBMLWriter()
        writer.master(MatroskaID.ebml) { e in
            e.unsigned(MatroskaID.ebmlVersion, 1)
            e.unsigned(MatroskaID.ebmlReadVersion, 1)
            e.unsigned(MatroskaID.ebmlMaxIDLength, 4)
            e.unsigned(MatroskaID.ebmlMaxSizeLength, 8)
            e.string(MatroskaID.docType, "webm")
            e.unsigned(MatroskaID.docTypeVersion, 4)
            e.unsigned(MatroskaID.docTypeReadVersion, 2)
        }
        return writer.bytes
    }

    /// Everything before the first cluster. Its length does not depend on the arguments.
    func header(durationNs: Int64, segmentSize: UInt64?, cuesPosition: Int64) -> [UInt8] {
        let info = infoElement(durationNs: durationNs)
        let tracksBytes = tracksElement()
        func seekHead(infoAt: Int64, tracksAt: Int64) -> [UInt8] {
            var writer = EBMLWriter()
            writer.master(MatroskaID.seekHead) { s in
                for (id, position) in [(MatroskaID.info, infoAt), (MatroskaID.tracks, tracksAt), (MatroskaID.cues, cuesPosition)] {
                    s.master(MatroskaID.seek) { e in
                        e.binary(MatroskaID.seekID, EBMLVarInt.encodeID(id))
                        e.unsigned(MatroskaID.seekPosition, UInt64(max(0, position)), width: 8)
                    }
                }
            }
            return writer.bytes
        }
        let seekLength = Int64(seekHead(infoAt: 0, tracksAt: 0).count)
        var writer = EBMLWriter()
        writer.append(ebmlHeader())
        if let segmentSize {
            writer.header(MatroskaID.segment, size: segmentSize, sizeWidth: 8)
        } else {
            writer.unknownSizeHeader(MatroskaID.segment)
        }
        writer.append(seekHead(infoAt: seekLength, tracksAt: seekLength + Int64(info.count)))
        writer.append(info)
        writer.append(tracksBytes)
        return writer.bytes
    }

    func infoElement(durationNs: Int64) -> [UInt8] {
        var writer = EBMLWriter()
        writer.master(MatroskaID.info) { e in
            e.unsigned(MatroskaID.timestampScale, UInt64(timestampScale), width: 4)
            e.string(MatroskaID.muxingApp, options.writingApp)
            e.string(MatroskaID.writingApp, options.writingApp)
            e.float(MatroskaID.duration, Double(durationNs) / Double(timestampScale))
        }
        return writer.bytes
    }

    func tracksElement() -> [UInt8] {
        var writer = EBMLWriter()
        writer.master(MatroskaID.tracks) { list in
            for track in tracks {
                list.master(MatroskaID.trackEntry) { e in
                    e.unsigned(MatroskaID.trackNumber, track.number)
                    e.unsigned(MatroskaID.trackUID, track.number)
                    e.unsigned(MatroskaID.trackType, track.kind == .video ? 1 : track.kind == .audio ? 2 : 0x11)
                    e.unsigned(MatroskaID.flagLacing, 0)
                    e.string(MatroskaID.codecID, track.codecID)
                    if !track.codecPrivate.isEmpty { e.binary(MatroskaID.codecPrivate, track.codecPrivate) }
                    if track.codecDelayNs > 0 { e.unsigned(MatroskaID.codecDelay, UInt64(track.codecDelayNs)) }
                    if track.seekPreRollNs > 0 { e.unsigned(MatroskaID.seekPreRoll, UInt64(track.seekPreRollNs)) }
                    if let duration = track.defaultDurationNs { e.unsigned(MatroskaID.defaultDuration, UInt64(duration)) }
                    if track.kind == .video {
                        e.master(MatroskaID.video) { v in
                            v.unsigned(MatroskaID.pixelWidth, UInt64(track.width ?? 0))
                            v.unsigned(MatroskaID.pixelHeight, UInt64(track.height ?? 0))
                        }
                    } else if track.kind == .audio {
                        e.master(MatroskaID.audio) { a in
                            a.float(MatroskaID.samplingFrequency, track.sampleRate ?? 48_000)
                            a.unsigned(MatroskaID.channels, UInt64(track.channels ?? 1))
                        }
                    }
                }
            }
        }
        return writer.bytes
    }

    func cuesElement() -> [UInt8] {
        var writer = EBMLWriter()
        writer.master(MatroskaID.cues) { list in
            for cue in cues {
                list.master(MatroskaID.cuePoint) { p in
                    p.unsigned(MatroskaID.cueTime, UInt64(cue.timeMs))
                    p.master(MatroskaID.cueTrackPositions) { t in
                        t.unsigned(MatroskaID.cueTrack, cue.track)
                        t.unsigned(MatroskaID.cueClusterPosition, UInt64(cue.position))
                    }
                }
            }
        }
        return writer.bytes
    }
}
