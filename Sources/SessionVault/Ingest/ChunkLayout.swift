import VaultIndex
import VaultStore

/// Where a recording's chunks live in the blob store: `chunks/<first two hex digits>/<id>/<index as 8 hex digits>`.
///
/// The two-digit shard keeps directories small on filesystems and lets `gc` walk the store one
/// shard at a time.
enum ChunkLayout {
    static let root = "chunks/"

    static func directory(of id: RecordingID) -> String {
        let hex = id.compactHex
        return root + hex.prefix(2) + "/" + hex + "/"
    }

    static func key(of id: RecordingID, index: Int) throws -> BlobKey {
        let hex = String(index, radix: 16)
        return try BlobKey(directory(of: id) + String(repeating: "0", count: max(0, 8 - hex.count)) + hex)
    }

    static let shards: [String] = (0..<256).map { n in
        let hex = String(n, radix: 16)
        return root + (hex.count == 1 ? "0" + hex : hex) + "/"
    }

    /// The recording id and chunk index a key names, if it is a chunk key.
    static func parse(_ key: BlobKey) -> (RecordingID, Int)? {
        let parts = key.path.split(separator: "/")
        guard parts.count == 4, parts[0] == "chunks", let id = RecordingID(String(parts[2])), let index = Int(parts[3], radix: 16) else { return nil }
        return (id, index)
    }
}
