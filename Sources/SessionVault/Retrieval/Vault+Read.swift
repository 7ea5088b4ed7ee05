import Foundation
import VaultCrypto
public import VaultIndex
import VaultStore

/// Where retrieved plaintext goes: the vault's name for ``ByteSink`` (VaultModel), the one byte-sink
/// protocol of every layer, so a file, stdout, an HTTP body or the export's tar writer conforms once.
public typealias PlaintextSink = ByteSink

/// A recording whose data key has been unwrapped and whose manifest has been verified, ready
/// to stream any range.
public struct OpenedRecording: Sendable {
    public let record: RecordingRecord
    public let manifest: RecordingManifest
    /// The role through which it was opened.
    public let role: String
    let sealer: ChunkSealer

    public var byteCount: Int64 { manifest.byteCount }
}

extension Vault {
    /// The consented (active) scopes of a recording's session.
    func activeScopes(session: String) async throws -> [String] {
        Array(Set(try await consents(of: session).filter(\.isActive).map(\.scope))).sorted()
    }

    /// The live recording, or `recordingNotFound`.
    public func liveRecording(_ id: RecordingID) async throws(VaultError) -> RecordingRecord {
        try await vaultBoundary {
            guard let record = try await catalog.recording(id) else { throw VaultError.recordingNotFound(id.description) }
            guard record.state == .live else { throw VaultError.notLive(recording: id, state: record.state.rawValue) }
            return record
        }
    }

    /// Checks that `role` holds a wrap of the recording, without unlocking anything. A refusal
    /// is audited and names the consented scopes.
    public func requireWrap(_ id: RecordingID, role: String, actor: String, purpose: String? = nil) async throws(VaultError) -> WrapRecord {
        try await vaultBoundary {
            try await liveRecordingAndWrap(id, role: role, actor: actor, purpose: purpose).wrap
        }
    }

    /// The live recording and `role`'s wrap of it (see ``requireWrap(_:role:actor:purpose:)``).
    func liveRecordingAndWrap(_ id: RecordingID, role: String, actor: String, purpose: String?) async throws -> (record: RecordingRecord, wrap: WrapRecord) {
        try AuditText.check(purpose, field: "access purpose")
        _ = try await requireRole(role)
        let record = try await liveRecording(id)
        guard let wrap = try await catalog.wrap(of: id, role: role) else {
            let scopes = try await activeScopes(session: record.session)
            try await catalog.appendAudit(AuditDraft(actor: actor, role: role, action: .get, target: id.description, purpose: purpose,
                                                     outcome: "refused", detail: "no wrap for role"))
            throw VaultError.noWrap(role: role, recording: id, scopes: scopes)
        }
        return (record, wrap)
    }

    /// Unwraps the data key with the role's key and verifies the manifest against the catalog.
    /// The access is audited (refusals too).
    ///
    /// The wrap is read from the catalog every time. A process that opened the same recording
    /// through the same wrap recently reuses what that unwrap and verification produced
    /// (``OpenedKeyCache``): same wrap bytes, same manifest, same result, without the X25519
    /// unwrap, the MAC and three guarded allocations per request.
    public func open(_ id: RecordingID, as role: UnlockedRole, actor: String, purpose: String? = nil, detail: String? = nil) async throws(VaultError) -> OpenedRecording {
        try await vaultBoundary {
            let (record, wrap) = try await liveRecordingAndWrap(id, role: role.name, actor: actor, purpose: purpose)
            guard let keyPair = role.keys[wrap.keyID] else {
                throw VaultError.keyring(path: keyring.roleKeyFile(role: role.name, keyID: wrap.keyID).path,
                                         reason: "role '\(role.name)' key \(wrap.keyID) (used by this recording's wrap) is not unlocked")
            }
            let memoKey = OpenedKeyCache.Key(id: id, role: role.name, keyID: wrap.keyID, wrapped: wrap.wrapped,
                                             manifest: record.manifest, manifestTag: record.manifestTag)
            let manifest: RecordingManifest
            let sealer: ChunkSealer
            if let known = memo.openedKey(memoKey, now: clock()) {
                manifest = known.manifest
                sealer = known.sealer
            } else {
                let dataKey: DataKey
                do {
                    dataKey = try await unwrapDataKey(wrap, with: keyPair)
                } catch {
                    try await catalog.appendAudit(AuditDraft(actor: actor, role: role.name, action: .get, target: id.description, purpose: purpose,
                                                             outcome: "failed", detail: "wrap did not open"))
                    throw VaultError.manifestTampered(recording: id, reason: "the role's wrap does not open (\(error))")
                }
                manifest = try authenticatedManifest(of: record, dataKey: dataKey)
                guard let algorithm = ChunkAlgorithm(rawValue: manifest.algorithm) else {
                    throw VaultError.manifestTampered(recording: id, reason: "unknown algorithm \(manifest.algorithm)")
                }
                // The manifest's tag verified, so an unknown format was written by a newer version, not forged.
                guard let format = manifest.chunkFormat else {
                    throw VaultError.unsupportedFormat(recording: id, format: manifest.format, segmentSize: manifest.segmentSize)
                }
                // Rewritten chunks are sealed under their generation's own key (DataKey.chunkKey(generation:)).
                let chunkKey = try dataKey.chunkKey(generation: UInt64(manifest.chunkGeneration))
                sealer = try ChunkSealer(key: chunkKey, algorithm: algorithm, recordingID: id.bytes, format: format)
                memo.rememberOpenedKey(OpenedKeyCache.Entry(manifest: manifest, sealer: sealer, lastUse: clock()), for: memoKey)
            }
            // The row's other columns are checked against the manifest every time.
            if let mismatch = manifest.check(against: record) { throw VaultError.manifestTampered(recording: id, reason: "catalog row edited: \(mismatch)") }
            try await catalog.appendAudit(AuditDraft(actor: actor, role: role.name, action: .get, target: id.description, purpose: purpose,
                                                     outcome: "ok", detail: detail))
            return OpenedRecording(record: record, manifest: manifest, role: role.name, sealer: sealer)
        }
    }

    /// The recording's manifest once its tag verifies under `dataKey` (not yet compared with the row).
    func authenticatedManifest(of record: RecordingRecord, dataKey: DataKey) throws -> RecordingManifest {
        guard try ManifestAuthenticator(key: dataKey).verify(record.manifest, tag: record.manifestTag) else {
            throw VaultError.manifestTampered(recording: record.id, reason: "manifest tag does not match")
        }
        do {
            return try RecordingManifest.decode(record.manifest)
        } catch {
            throw VaultError.manifestTampered(recording: record.id, reason: "authenticated manifest does not decode")
        }
    }

    /// The bytes a read of `range` (all if nil) wants and the first and last chunks holding them;
    /// nil when an empty range of a non-empty recording wants nothing (an empty recording still
    /// reads its one chunk).
    static func chunksTouched(by range: Range<Int64>?, of manifest: RecordingManifest) throws(VaultError) -> (wanted: Range<Int64>, first: Int, last: Int)? {
        let wanted = range ?? 0..<manifest.byteCount
        guard wanted.lowerBound >= 0, wanted.upperBound <= manifest.byteCount else {
            throw VaultError.rangeNotSatisfiable(range: "\(wanted.lowerBound)-\(wanted.upperBound - 1)", size: manifest.byteCount)
        }
        if wanted.isEmpty && manifest.byteCount > 0 { return nil }
        let chunkSize = Int64(manifest.chunkSize)
        let last = manifest.byteCount == 0 ? 0 : Int((max(wanted.upperBound, 1) - 1) / chunkSize)
        return (wanted, Int(wanted.lowerBound / chunkSize), last)
    }

    /// Streams `range` (all if nil) of an opened recording into `sink`, fetching and opening up
    /// to a few chunks ahead in parallel. Only chunks the range touches are read and, in format 2,
    /// only the segments of those chunks that hold it (a 1 MiB range reads at most 1.125 MiB plus
    /// tags, wherever it falls). No byte is written before its chunk or segment has been
    /// authenticated. Returns the bytes written.
    ///
    /// The same pipeline as ``stream(_:range:into:)``, with the vault's own reusable buffers
    /// decrypted into and handed to `sink` as slices.
    @discardableResult
    public func stream(_ opened: OpenedRecording, range: Range<Int64>? = nil, to sink: inout some PlaintextSink) async throws(VaultError) -> Int64 {
        var lending = LendingPlaintextSink(sink: sink, pool: ChunkBufferPool(limit: Self.readAheadWindow + 1))
        defer { sink = lending.sink }
        return try await stream(opened, range: range, into: &lending)
    }

    /// Fetches and opens one chunk. Returns the buffer and the plaintext count; the plaintext is
    /// at `ChunkSealer.headerSize ..< headerSize + count` (opened in place).
    static func readChunk(store: any BlobStore, sealer: ChunkSealer, recording id: RecordingID, index: Int, generation: Int, isLast: Bool,
                          sealedSize: Int, into buffer: consuming [UInt8] = []) async throws -> ([UInt8], Int) {
        var sealed = try await fetchChunk(store: store, recording: id, index: index, generation: generation, sealedSize: sealedSize, into: buffer)
        let headroom = ChunkSealer.headerSize
        do {
            let count = try sealed.withUnsafeMutableBytes { raw in
                try sealer.open(UnsafeRawBufferPointer(raw), index: UInt64(index), isLast: isLast,
                                into: UnsafeMutableRawBufferPointer(rebasing: raw[headroom...]))
            }
            return (sealed, count)
        } catch let error as CryptoError {
            throw VaultError.chunkTampered(recording: id, chunk: index, reason: error.description)
        }
    }

    /// Reads one sealed chunk whole into `buffer` (re-sized to it), checking its size against the catalog's.
    static func fetchChunk(store: any BlobStore, recording id: RecordingID, index: Int, generation: Int, sealedSize: Int,
                           into buffer: consuming [UInt8]) async throws -> [UInt8] {
        let key = try ChunkLayout.key(of: id, index: index, generation: generation)
        let sealed: [UInt8]
        do {
            sealed = try await store.get(key, into: consume buffer)
        } catch {
            if case .notFound = error { throw VaultError.chunkMissing(recording: id, chunk: index) }
            throw error
        }
        guard sealed.count == sealedSize else {
            throw VaultError.chunkTampered(recording: id, chunk: index, reason: "sealed size \(sealed.count), catalog says \(sealedSize)")
        }
        return sealed
    }

    /// Reads the ciphertext and then the tags of `span`'s segments of one format-2 chunk, in one
    /// ranged read, into `buffer` (re-sized to them).
    static func fetchSegments(store: any BlobStore, recording id: RecordingID, index: Int, generation: Int, span: SegmentSpan,
                              into buffer: consuming [UInt8]) async throws -> [UInt8] {
        let key = try ChunkLayout.key(of: id, index: index, generation: generation)
        let bytes: [UInt8]
        do {
            bytes = try await store.get(key, ranges: [span.ciphertext, span.tags], into: consume buffer)
        } catch {
            switch error {
            case .notFound: throw VaultError.chunkMissing(recording: id, chunk: index)
            case .shortBlob: throw VaultError.chunkTampered(recording: id, chunk: index, reason: error.description)
            default: throw error
            }
        }
        guard bytes.count == span.ciphertext.count + span.tags.count else {
            throw VaultError.chunkTampered(recording: id, chunk: index,
                                           reason: "read \(bytes.count) bytes, expected \(span.ciphertext.count + span.tags.count)")
        }
        return bytes
    }

    /// The sealed sizes of an opened recording's chunks, from chunk rows checked against the
    /// manifest's digest root. Remembered per process (keyed by the manifest tag), so that a
    /// service answering many range requests reads and hashes the rows once, not per request.
    func verifiedSealedSizes(_ opened: OpenedRecording) async throws -> [Int] {
        let record = opened.record
        if let sizes = memo.verifiedSealedSizes(of: record.id, manifestTag: record.manifestTag) { return sizes }
        let manifest = opened.manifest
        let all = try await catalog.chunks(of: record.id, in: 0..<manifest.chunkCount)
        guard all.count == manifest.chunkCount, all.enumerated().allSatisfy({ $0.offset == $0.element.index }),
              RecordingManifest.digestRoot(all.map(\.digest)) == manifest.digestRoot else {
            throw VaultError.manifestTampered(recording: record.id, reason: "chunk rows do not match the manifest's digest root")
        }
        let sizes = all.map(\.sealedSize)
        memo.rememberVerifiedSealedSizes(sizes, of: record.id, manifestTag: record.manifestTag)
        return sizes
    }
}
