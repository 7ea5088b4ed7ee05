import Foundation
import VaultCrypto
import VaultStore

extension Vault {
    /// Chunks read and opened ahead of the one being written: enough to keep every core busy.
    static var readAheadWindow: Int { max(2, ProcessInfo.processInfo.activeProcessorCount + 1) }

    /// Streams `range` (all if nil) of an opened recording into buffers that `sink` lends
    /// (``PlaintextBufferSink``): each chunk's wanted segments are decrypted straight into the
    /// sink's buffer, which the sink then sends as it is. Only the chunks the range touches are
    /// read and, in format 2, only the segments of those chunks that hold it; no buffer is handed
    /// over before its bytes have been authenticated. Returns the bytes written.
    /// ``stream(_:range:to:)`` is this pipeline with buffers of the vault's own.
    ///
    /// Read-ahead (a few chunks in parallel) takes buffers only when the sink has them at once; the
    /// stream waits for memory only when it holds none (see ``PlaintextBufferSink``).
    @discardableResult
    public func stream<Sink: PlaintextBufferSink>(_ opened: OpenedRecording, range: Range<Int64>? = nil,
                                                  into sink: inout Sink) async throws(VaultError) -> Int64 {
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
            let window = Self.readAheadWindow
            // Ciphertext only passes through these; the plaintext goes to the sink's buffers.
            let scratch = memo.ciphertextScratch

            /// What is read of chunk `index` and which of the bytes it opens to are wanted.
            func piece(_ index: Int) -> BufferedReadPiece {
                let chunkStart = Int64(index) * chunkSize
                let count = Int(min(chunkSize, manifest.byteCount - chunkStart))
                let part = Int(max(wanted.lowerBound, chunkStart) - chunkStart)..<Int(min(wanted.upperBound, chunkStart + Int64(count)) - chunkStart)
                if sealer.format != .whole, part.count < count {
                    let span = sealer.format.span(of: part, plaintextCount: count)
                    let offset = part.lowerBound - span.plaintext.lowerBound
                    return BufferedReadPiece(index: index, plaintextCount: count, span: span, opened: span.plaintext.count,
                                             kept: offset..<(offset + part.count), sealedSize: sealedSizes[index], isLast: index == lastIndex)
                }
                return BufferedReadPiece(index: index, plaintextCount: count, span: nil, opened: count, kept: part,
                                         sealedSize: sealedSizes[index], isLast: index == lastIndex)
            }

            // A child task never throws: its failure waits its turn, so the error reported is that of
            // the lowest-numbered bad chunk, whatever finished first.
            return try await withThrowingTaskGroup(of: (Int, Result<Sink.Buffer, any Error>).self) { group in
                var nextToStart = first
                var nextToWrite = first
                var ready: [Int: Result<Sink.Buffer, any Error>] = [:]
                var written: Int64 = 0
                while nextToWrite <= last {
                    while nextToStart <= last && nextToStart < nextToWrite + window {
                        let planned = piece(nextToStart)
                        // Nothing of this stream is in flight only when every started chunk has been written.
                        guard let buffer = try await sink.buffer(count: planned.opened, wait: nextToStart == nextToWrite) else { break }
                        // A captured buffer would be shared with the closure, and its first write would
                        // copy it whole (an array's or ByteBuffer's copy-on-write): the task takes it out.
                        let handOff = HandOff(buffer)
                        group.addTask {
                            do {
                                guard var buffer = handOff.take() else { preconditionFailure("a read-ahead buffer was taken twice") }
                                try await Self.readPiece(planned, store: store, sealer: sealer, recording: id, generation: generation,
                                                         scratch: scratch, into: &buffer)
                                return (planned.index, .success(buffer))
                            } catch {
                                return (planned.index, .failure(error))
                            }
                        }
                        nextToStart += 1
                    }
                    while ready[nextToWrite] == nil {
                        guard let (index, result) = try await group.next() else { break }
                        ready[index] = result
                    }
                    guard let result = ready.removeValue(forKey: nextToWrite) else { break }
                    let buffer = try result.get()
                    let kept = piece(nextToWrite).kept.count
                    try await sink.write(buffer)
                    written += Int64(kept)
                    nextToWrite += 1
                }
                return written
            }
        }
    }

    /// Reads one piece's ciphertext into a scratch buffer and opens it into `buffer`.
    static func readPiece<Buffer: PlaintextBuffer>(_ piece: BufferedReadPiece, store: any BlobStore, sealer: ChunkSealer, recording id: RecordingID,
                                                   generation: Int, scratch: ChunkBufferPool, into buffer: inout Buffer) async throws {
        let index = piece.index
        do {
            if let span = piece.span {
                let bytes = try await fetchSegments(store: store, recording: id, index: index, generation: generation, span: span,
                                                    into: scratch.take(count: span.ciphertext.count + span.tags.count))
                let cipherCount = span.ciphertext.count
                try bytes.withUnsafeBytes { raw in
                    try buffer.decrypt(count: cipherCount, keeping: piece.kept) { output in
                        _ = try sealer.open(span: span, ciphertext: UnsafeRawBufferPointer(rebasing: raw[0..<cipherCount]),
                                            tags: UnsafeRawBufferPointer(rebasing: raw[cipherCount...]), index: UInt64(index), isLast: piece.isLast,
                                            plaintextCount: piece.plaintextCount, into: output)
                    }
                }
                scratch.recycle(bytes)
            } else {
                let sealed = try await fetchChunk(store: store, recording: id, index: index, generation: generation, sealedSize: piece.sealedSize,
                                                  into: scratch.take(count: piece.sealedSize))
                var opened = 0
                try sealed.withUnsafeBytes { raw in
                    try buffer.decrypt(count: piece.plaintextCount, keeping: piece.kept) { output in
                        opened = try sealer.open(raw, index: UInt64(index), isLast: piece.isLast, into: output)
                    }
                }
                scratch.recycle(sealed)
                guard opened == piece.plaintextCount else {
                    throw VaultError.chunkTampered(recording: id, chunk: index, reason: "holds \(opened) bytes, expected \(piece.plaintextCount)")
                }
            }
        } catch let error as CryptoError {
            throw VaultError.chunkTampered(recording: id, chunk: index, reason: error.description)
        }
    }
}

/// One chunk's share of a buffered read: the segments read (all of the chunk when `span` is nil),
/// how many plaintext bytes they open to, and which of those the range wants.
struct BufferedReadPiece: Sendable {
    let index: Int
    /// The whole chunk's plaintext length (from the verified manifest).
    let plaintextCount: Int
    let span: SegmentSpan?
    /// Plaintext bytes decrypted into the buffer.
    let opened: Int
    /// The wanted bytes, as offsets into the decrypted ones.
    let kept: Range<Int>
    let sealedSize: Int
    let isLast: Bool
}
