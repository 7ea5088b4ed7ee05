import Foundation
import VaultCrypto
public import VaultIndex

/// The facts about a recording that must not be changed behind the vault's back, authenticated
/// with a key derived from the recording's data key (so editing the catalog is detected on read).
///
/// Stored as the exact JSON bytes it was tagged over (keys sorted).
public struct RecordingManifest: Codable, Sendable, Equatable {
    /// The chunk format (1 or 2, see ``ChunkFormat``).
    public var format: Int
    /// Format 2: plaintext bytes per segment. Absent in format 1.
    public var segmentSize: Int?
    public var recording: RecordingID
    public var algorithm: UInt8
    public var chunkSize: Int
    public var chunkCount: Int
    public var byteCount: Int64
    public var mediaType: String
    /// SHA-256 over a domain tag and every chunk's ciphertext digest, in order: binds the chunk rows.
    public var digestRoot: String
    public var session: String
    public var retentionClass: String
    public var capturedOn: String
    public var source: RecordingID?
    /// The patient's pseudonym, so that a row moved onto another patient (and so onto another
    /// clinician's care list, or out of a subject-access export) is refused on read. Absent in
    /// manifests written before it was bound (they encode to the same bytes as before).
    public var patient: String?
    /// How many times the chunks were rewritten (``Vault/upgradeFormat(as:by:dryRun:progress:)``):
    /// absent for chunks as ingested. Generation *g* ≥ 1 lives at its own blob keys
    /// (``ChunkLayout``) and is sealed under the data key's generation-*g* chunk key.
    public var generation: Int?

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(self))
    }

    static func decode(_ bytes: [UInt8]) throws -> RecordingManifest {
        try JSONDecoder().decode(RecordingManifest.self, from: Data(bytes))
    }

    /// The chunk format the manifest names, or nil if this version cannot read it.
    var chunkFormat: ChunkFormat? { ChunkFormat(version: format, segmentSize: segmentSize) }

    /// The generation of the chunks this manifest lists (0: as ingested).
    var chunkGeneration: Int { generation ?? 0 }

    /// The digest root of an ordered list of chunk digests.
    static func digestRoot(_ digests: some Sequence<[UInt8]>) -> String {
        var hasher = StreamingSHA256()
        hasher.update(Array("sessionvault.chunk-digests.v1".utf8))
        for digest in digests { hasher.update(digest) }
        return Hex.encode(hasher.finalize())
    }

    /// Checks that the catalog row says what the authenticated manifest says.
    func check(against row: RecordingRecord) -> String? {
        if recording != row.id { return "recording id differs" }
        if algorithm != row.algorithm.rawValue { return "algorithm differs" }
        if chunkSize != row.chunkSize { return "chunk size differs (\(row.chunkSize) in catalog, \(chunkSize) in manifest)" }
        if chunkCount != row.chunkCount { return "chunk count differs (\(row.chunkCount) in catalog, \(chunkCount) in manifest)" }
        if byteCount != row.byteCount { return "byte count differs (\(row.byteCount) in catalog, \(byteCount) in manifest)" }
        if mediaType != row.mediaType { return "media type differs" }
        if session != row.session { return "session differs" }
        if retentionClass != row.retentionClass { return "retention class differs" }
        if capturedOn != row.capturedOn.description { return "capture date differs" }
        if source != row.sourceID { return "source recording differs" }
        if let patient, patient != row.patient { return "patient differs" }
        return nil
    }
}

extension RecordingRecord {
    /// The generation of the chunks the row's manifest lists, read without its key: for keyless
    /// work on blobs (scrub, sweep, legal holds, gc), which trusts the catalog row as it trusts the
    /// chunk count. Readers take it from the authenticated manifest instead.
    var chunkGeneration: Int {
        guard !manifest.isEmpty, let decoded = try? RecordingManifest.decode(manifest) else { return 0 }
        return decoded.chunkGeneration
    }
}
