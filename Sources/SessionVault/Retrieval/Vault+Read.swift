import Foundation
import VaultCrypto
public import VaultIndex
import VaultStore

/// Where retrieved plaintext goes: stdout, a file, an HTTP response body.
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
    @discardableResult
    public func stream(_ opened: OpenedRecording, range: Range<Int64>? = nil, to sink: inout some PlaintextSink) async throws(VaultError) -> Int64 {
        try await vaultBoundary {
            let manifest = opened.manifest
            let id = opened.record.id
            let sealedSizes = try await verifiedSealedSizes(opened)
            guard let (wanted, first, last) = try Self.chunksTouched(by: range, of: manifest) else { return 0 }
            let chunkSize = Int64(manifest.chunkSize)
            let lastIndex = manifest.chunkCount - 1
            let sealer = opened.sealer
            let generation = manifest.chunkGeneration
            let store = self.store
            let window = max(2, ProcessInfo.processInfo.activeProcessorCount + 1)
            // Each chunk's buffer goes back to the pool once written out, for the chunk after next.
            let pool = ChunkBufferPool(limit: window + 1)

            // A child task never throws: its failure waits in `ready` like a result, so the error
            // reported is always that of the lowest-numbered bad chunk, whatever finished first.
            // A result is the buffer and where in it the wanted plaintext of that chunk lies.
            typealias Opened = ([UInt8], Range<Int>)
            return try await withThrowingTaskGroup(of: (Int, Result<Opened, any Error>).self) { group in
                var nextToStart = first
                var nextToWrite = first
                var ready: [Int: Result<Opened, any Error>] = [:]
                var written: Int64 = 0
                func start(_ index: Int) {
                    let sealedSize = sealedSizes[index]
                    // The chunk's plaintext length from the authenticated manifest, and the part wanted.
                    let chunkStart = Int64(index) * chunkSize
                    let count = Int(min(chunkSize, manifest.byteCount - chunkStart))
                    let part = Int(max(wanted.lowerBound, chunkStart) - chunkStart)..<Int(min(wanted.upperBound, chunkStart + Int64(count)) - chunkStart)
                    let isLast = index == lastIndex
                    group.addTask {
                        do {
                            if sealer.format != .whole, part.count < count {
                                let span = sealer.format.span(of: part, plaintextCount: count)
                                let bytes = try await Self.readSegments(store: store, sealer: sealer, recording: id, index: index, generation: generation, isLast: isLast,
                                                                        plaintextCount: count, span: span,
                                                                        into: pool.take(count: span.ciphertext.count + span.tags.count))
                                let offset = part.lowerBound - span.plaintext.lowerBound
                                return (index, .success((bytes, offset..<(offset + part.count))))
                            }
                            let (bytes, opened) = try await Self.readChunk(store: store, sealer: sealer, recording: id, index: index, generation: generation,
                                                                           isLast: isLast, sealedSize: sealedSize,
                                                                           into: pool.take(count: sealedSize))
                            guard opened == count else {
                                throw VaultError.chunkTampered(recording: id, chunk: index, reason: "holds \(opened) bytes, expected \(count)")
                            }
                            let headroom = ChunkSealer.headerSize
                            return (index, .success((bytes, (headroom + part.lowerBound)..<(headroom + part.upperBound))))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                while nextToStart <= last && nextToStart < nextToWrite + window {
                    start(nextToStart)
                    nextToStart += 1
                }
                while nextToWrite <= last {
                    while ready[nextToWrite] == nil {
                        guard let (index, result) = try await group.next() else { break }
                        ready[index] = result
                    }
                    guard let result = ready.removeValue(forKey: nextToWrite) else { break }
                    let (bytes, plaintext) = try result.get()
                    if !plaintext.isEmpty {
                        try await sink.write(bytes[plaintext])
                        written += Int64(plaintext.count)
                    }
                    pool.recycle(consume bytes)
                    nextToWrite += 1
                    if nextToStart <= last {
                        start(nextToStart)
                        nextToStart += 1
                    }
                }
                return written
            }
        }
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

    /// Fetches and opens only the segments `span` of one format-2 chunk of `plaintextCount` bytes:
    /// their ciphertext and their tags, in one ranged read, without the header or the other
    /// segments. Returns the buffer with the segments' plaintext (`span.plaintext`) at its start.
    static func readSegments(store: any BlobStore, sealer: ChunkSealer, recording id: RecordingID, index: Int, generation: Int, isLast: Bool,
                             plaintextCount: Int, span: SegmentSpan, into buffer: consuming [UInt8] = []) async throws -> [UInt8] {
        var bytes = try await fetchSegments(store: store, recording: id, index: index, generation: generation, span: span, into: buffer)
        let cipherCount = span.ciphertext.count
        do {
            _ = try bytes.withUnsafeMutableBytes { raw in
                try sealer.open(span: span, ciphertext: UnsafeRawBufferPointer(rebasing: raw[0..<cipherCount]),
                                tags: UnsafeRawBufferPointer(rebasing: raw[cipherCount...]), index: UInt64(index), isLast: isLast,
                                plaintextCount: plaintextCount, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<cipherCount]))
            }
            return bytes
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
