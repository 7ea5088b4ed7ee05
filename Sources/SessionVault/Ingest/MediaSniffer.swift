/// Recognises a recording's container from its first bytes.
enum MediaSniffer {
    static func mediaType(of prefix: some Collection<UInt8>) -> String {
        let bytes = Array(prefix.prefix(64))
        if bytes.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) {
            // EBML: WebM declares DocType "webm"; anything else EBML is Matroska.
            let webm: [UInt8] = Array("webm".utf8)
            let isWebM = bytes.indices.contains { i in bytes[i...].starts(with: webm) }
            return isWebM ? "video/webm" : "video/x-matroska"
        }
        if bytes.starts(with: Array("OggS".utf8)) { return "audio/ogg" }
        if bytes.count >= 12, Array(bytes[4..<8]) == Array("ftyp".utf8) { return "video/mp4" }
        if bytes.starts(with: Array("RIFF".utf8)), bytes.count >= 12, Array(bytes[8..<12]) == Array("WAVE".utf8) { return "audio/wav" }
        return "application/octet-stream"
    }
}
