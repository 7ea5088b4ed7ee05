import VaultIndex
import VaultStore

/// Where a recording's chunks live in the blob store: `chunks/<first two hex digits>/<id>/<index as 8 hex digits>`,
/// followed by `.g<generation>` for chunks rewritten by a format upgrade (generation ≥ 1).
///
/// A rewrite writes its chunks beside the old ones, never over them, so that until its catalog
/// transaction commits the recording's blobs are those it had.
///
/// The two-digit shard keeps directories small on filesystems and lets `gc` walk the store one
/// shard at a time.
enum ChunkLayout {
    static let root = "chunks/"

    static func directory(of id: RecordingID) -> String {
        let hex = id.compactHex
        return root + hex.prefix(2) + "/" + hex + "/"
    }

    static func key(of id: RecordingID, index: Int, generation: Int = 0) throws -> BlobKey {
        let hex = String(index, radix: 16)
        let suffix = generation > 0 ? ".g\(generation)" : ""
        return try BlobKey(directory(of: id) + String(repeating: "0", count: max(0, 8 - hex.count)) + hex + suffix)
    }

    static let shards: [String] = (0..<256).map { n in
        let hex = String(n, radix: 16)
        return root + (hex.count == 1 ? "0" + hex : hex) + "/"
    }

    /// The recording id, chunk index and generation a key names, if it is a chunk key.
    static func parse(_ key: BlobKey) -> (id: RecordingID, index: Int, generation: Int)? {
        let parts = key.path.split(separator: "/")
        guard parts.count == 4, parts[0] == "chunks", let id = RecordingID(String(parts[2])) else { return nil }
        let name = parts[3].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let index = Int(name[0], radix: 16) else { return nil }
        guard name.count == 2 else { return (id, index, 0) }
        guard name[1].hasPrefix("g"), let generation = Int(name[1].dropFirst()), generation > 0 else { return nil }
        return (id, index, generation)
    }
}
