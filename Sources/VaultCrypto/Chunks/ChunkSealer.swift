internal import CSodium

/// Seals and opens one recording's chunks (see docs/FORMAT.md §2 and ``ChunkFormat``):
/// `header(40) ‖ ciphertext(n) ‖ tags`, one tag per chunk (format 1) or per segment (format 2).
///
/// A sealer binds a data key, an algorithm, a format and a recording id. The 40-byte header is the
/// AEAD's associated data and the nonce is derived from (index, last flag, segment), so a chunk (and
/// each of its segments) opens only at the position, in the recording, and with the last-chunk status
/// it was sealed for: reordering, swapping chunks or segments, truncation and extension are all
/// detected, and reported with the header field that gave them away.
///
/// `seal` and `open` never allocate, never copy beyond what the AEAD writes, and are safe to call
/// concurrently from many tasks on one sealer.
public struct ChunkSealer: Sendable {
    /// The sealed-chunk header size: 40 bytes.
    public static let headerSize: Int = ChunkHeader.size
    /// The AEAD tag size: 16 bytes.
    public static let tagSize: Int = AEADCipher.tagByteCount
    /// The largest plaintext one chunk can carry (the header's length field is 32 bits).
    public static let maxPlaintextCount = Int(UInt32.max)

    /// The AEAD this sealer uses.
    public let algorithm: ChunkAlgorithm
    /// The chunk layout this sealer writes and expects.
    public let format: ChunkFormat
    private let id: RecordingID
    private let cipher: AEADCipher

    /// The 16-byte recording id every chunk is bound to.
    public var recordingID: [UInt8] { id.bytes }

    /// - Parameters:
    ///   - key: the recording's data key.
    ///   - algorithm: the AEAD; must be available on this machine.
    ///   - recordingID: exactly 16 bytes.
    ///   - format: the recording's chunk format (new recordings: ``ChunkFormat/current``).
    /// - Throws: ``CryptoError/invalidRecordingID(length:)``, ``CryptoError/algorithmUnavailable(_:)``,
    ///   ``CryptoError/secureMemoryUnavailable(bytes:)``.
    public init(key: DataKey, algorithm: ChunkAlgorithm, recordingID: [UInt8], format: ChunkFormat) throws {
        self.id = try RecordingID(recordingID)
        self.cipher = try AEADCipher(algorithm: algorithm, key: key.bytes)
        self.algorithm = algorithm
        self.format = format
    }

    /// Writes header ‖ ciphertext ‖ tags into `output` (must be at least the format's
    /// ``ChunkFormat/sealedSize(plaintextCount:)``)
    /// and returns the byte count.
    ///
    /// `plaintext` may live inside `output`: the cheapest layout is to read the plaintext straight into
    /// `output[headerSize...]` and seal in place. Any other overlap is handled too (the plaintext is
    /// first moved to its ciphertext position). On failure the first `sealedSize` bytes of `output` are
    /// zeroed.
    ///
    /// - Throws: ``CryptoError/chunkTooLarge(index:count:)``, ``CryptoError/outputTooSmall(needed:got:)``,
    ///   ``CryptoError/sodiumCallFailed(function:code:)`` or ``CryptoError/openSSLCallFailed(function:)``.
    public func seal(
        _ plaintext: UnsafeRawBufferPointer,
        index: UInt64,
        isLast: Bool,
        into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) -> Int {
        let count = plaintext.count
        guard count <= Self.maxPlaintextCount else { throw .chunkTooLarge(index: index, count: count) }
        let sealedCount = format.sealedSize(plaintextCount: count)
        guard output.count >= sealedCount else { throw .outputTooSmall(needed: sealedCount, got: output.count) }

        let headerBytes = UnsafeMutableRawBufferPointer(rebasing: output[0..<Self.headerSize])
        let body = UnsafeMutableRawBufferPointer(rebasing: output[Self.headerSize..<Self.headerSize + count])

        // Move an overlapping plaintext to its ciphertext position before the header is written over
        // it; the AEAD then only ever sees exact aliasing, which both libraries support.
        var source = plaintext
        if plaintext.overlaps(UnsafeRawBufferPointer(output)) {
            if plaintext.baseAddress != UnsafeRawPointer(body.baseAddress) {
                body.baseAddress!.copyMemory(from: plaintext.baseAddress!, byteCount: count)  // memmove
            }
            source = UnsafeRawBufferPointer(body)
        }

        let header = ChunkHeader(
            format: format,
            algorithm: algorithm,
            recordingID: id,
            index: index,
            plaintextLength: UInt32(count),
            isLast: isLast
        )
        header.write(into: headerBytes)
        let segments = 0..<format.segmentCount(plaintextCount: count)
        let tagBase = Self.headerSize + count
        do {
            for segment in segments {
                let range = format.segmentRange(segment, plaintextCount: count)
                let tagStart = tagBase + segment * Self.tagSize
                try ChunkNonce.with(index: index, flags: header.flags, segment: segment, algorithm: algorithm) {
                    (nonce) throws(CryptoError) in
                    try cipher.seal(
                        UnsafeRawBufferPointer(rebasing: source[range]),
                        into: UnsafeMutableRawBufferPointer(rebasing: body[range]),
                        tag: UnsafeMutableRawBufferPointer(rebasing: output[tagStart..<(tagStart + Self.tagSize)]),
                        associatedData: UnsafeRawBufferPointer(headerBytes),
                        nonce: nonce
                    )
                }
            }
        } catch {
            UnsafeMutableRawBufferPointer(rebasing: output[0..<sealedCount]).zeroize()
            throw error
        }
        return sealedCount
    }

    /// Verifies the header fields against (recordingID, index, isLast, algorithm, format) and every
    /// tag, then decrypts into `output`; returns the plaintext count.
    ///
    /// Checks run in this order, each failing with a typed error that names what gave the chunk away:
    /// size (``CryptoError/chunkTooShort(index:count:)``); header magic, version, algorithm, segment
    /// size, reserved bytes, flag bits, recording id, index, last flag and length
    /// (``CryptoError/chunkHeaderMismatch(index:field:expected:found:)``); output size
    /// (``CryptoError/outputTooSmall(needed:got:)``); and finally the AEAD tags
    /// (``CryptoError/chunkAuthenticationFailed(index:)`` in format 1,
    /// ``CryptoError/segmentAuthenticationFailed(index:segment:)`` in format 2).
    ///
    /// What `output` holds after a failure: a header or size failure writes nothing. An authentication
    /// failure leaves `output[0..<plaintextCount]` zeroed: OpenSSL (AES-256-GCM) decrypts a segment
    /// before it checks the tag, libsodium (XChaCha20-Poly1305) checks first, and either way this
    /// wrapper zeroes the whole output range, segments that did verify included. Either way
    /// the contents must not be used; in particular, a failed in-place open destroys the ciphertext it
    /// was given, so a caller that must keep a corrupt chunk for inspection opens into a separate buffer.
    ///
    /// `output` may alias `sealed`: exactly in place (`output` starting at `sealed[headerSize...]`)
    /// costs nothing extra (the tags lie after the plaintext's end); any other overlap stages header
    /// and tags in a temporary buffer and moves the ciphertext first.
    public func open(
        _ sealed: UnsafeRawBufferPointer,
        index: UInt64,
        isLast: Bool,
        into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) -> Int {
        guard sealed.count >= Self.headerSize + Self.tagSize else {
            throw .chunkTooShort(index: index, count: sealed.count)
        }
        let header = try ChunkHeader(parsing: sealed, reportingIndex: index)
        try check(header, sealedCount: sealed.count, index: index, isLast: isLast)
        let count = Int(header.plaintextLength)
        guard output.count >= count else { throw .outputTooSmall(needed: count, got: output.count) }

        let plaintext = UnsafeMutableRawBufferPointer(rebasing: output[0..<count])
        let ciphertext = UnsafeRawBufferPointer(rebasing: sealed[Self.headerSize..<Self.headerSize + count])
        let headerBytes = UnsafeRawBufferPointer(rebasing: sealed[0..<Self.headerSize])
        let tags = UnsafeRawBufferPointer(rebasing: sealed[(Self.headerSize + count)...])
        let segments = 0..<format.segmentCount(plaintextCount: count)
        let inPlace = UnsafeRawPointer(plaintext.baseAddress) == ciphertext.baseAddress
        if inPlace || !UnsafeRawBufferPointer(plaintext).overlaps(sealed) {
            return try openSegments(segments, ciphertext: ciphertext, tags: tags, header: headerBytes, index: index,
                                    flags: header.flags, plaintextCount: count, into: plaintext)
        }
        // Overlapping but not in place: keep copies of header and tags aside, move the ciphertext to
        // where the plaintext goes, and decrypt there in place.
        return try withUnsafeTemporaryAllocation(byteCount: Self.headerSize + tags.count, alignment: 8) {
            (stage) throws(CryptoError) -> Int in
            stage.copyMemory(from: headerBytes)
            UnsafeMutableRawBufferPointer(rebasing: stage[Self.headerSize...]).copyMemory(from: tags)
            if count > 0 { plaintext.baseAddress!.copyMemory(from: ciphertext.baseAddress!, byteCount: count) }
            return try openSegments(segments, ciphertext: UnsafeRawBufferPointer(plaintext),
                                    tags: UnsafeRawBufferPointer(rebasing: stage[Self.headerSize...]),
                                    header: UnsafeRawBufferPointer(rebasing: stage[0..<Self.headerSize]),
                                    index: index, flags: header.flags, plaintextCount: count, into: plaintext)
        }
    }

    /// Opens part of a chunk without its header or the other segments: the segments of `span`
    /// (from ``ChunkFormat/span(of:plaintextCount:)`` in this sealer's format), given their
    /// ciphertext and their tags as read from the sealed chunk. The header is not read: the reader
    /// rebuilds the one the chunk must have been sealed with (recording, index, last flag, length,
    /// format) and uses it as the associated data, so any other header, like any altered byte, fails
    /// the tag. `plaintextCount` is the whole chunk's plaintext length, as the verified manifest says.
    ///
    /// Writes `span.plaintext.count` bytes to `output` (may be exactly `ciphertext`'s memory, no other
    /// overlap) and returns that count. After a failure the output range is zeroed.
    ///
    /// - Throws: ``CryptoError/chunkTooShort(index:count:)`` if `ciphertext` or `tags` is not the
    ///   span's size, ``CryptoError/outputTooSmall(needed:got:)``, or the authentication errors of ``open(_:index:isLast:into:)``.
    public func open(
        span: SegmentSpan,
        ciphertext: UnsafeRawBufferPointer,
        tags: UnsafeRawBufferPointer,
        index: UInt64,
        isLast: Bool,
        plaintextCount: Int,
        into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) -> Int {
        guard plaintextCount <= Self.maxPlaintextCount else { throw .chunkTooLarge(index: index, count: plaintextCount) }
        // A span made for another format or length would open the wrong bytes: refuse it.
        guard span.plaintext.lowerBound >= 0, span.plaintext.upperBound <= plaintextCount,
              format.span(of: span.plaintext, plaintextCount: plaintextCount) == span else {
            throw .chunkHeaderMismatch(index: index, field: "span", expected: "segments of \(format) for \(plaintextCount) bytes",
                                       found: "segments \(span.segments), bytes \(span.plaintext)")
        }
        guard ciphertext.count == span.plaintext.count else {
            throw .chunkTooShort(index: index, count: ciphertext.count)
        }
        guard tags.count == span.tags.count else {
            throw .chunkTooShort(index: index, count: tags.count)
        }
        guard output.count >= ciphertext.count else { throw .outputTooSmall(needed: ciphertext.count, got: output.count) }
        let header = ChunkHeader(format: format, algorithm: algorithm, recordingID: id, index: index,
                                 plaintextLength: UInt32(plaintextCount), isLast: isLast)
        // Segment numbers and the bytes given are relative to the span's first segment.
        return try withUnsafeTemporaryAllocation(byteCount: Self.headerSize, alignment: 8) { (headerBytes) throws(CryptoError) -> Int in
            header.write(into: headerBytes)
            return try openSegments(span.segments, ciphertext: ciphertext, tags: tags, header: UnsafeRawBufferPointer(headerBytes),
                                    index: index, flags: header.flags, plaintextCount: plaintextCount,
                                    into: UnsafeMutableRawBufferPointer(rebasing: output[0..<ciphertext.count]),
                                    offset: span.plaintext.lowerBound)
        }
    }

    /// Opens consecutive segments. `ciphertext`, `tags` and `output` start at segment
    /// `segments.lowerBound`, whose plaintext starts at `offset` in the chunk. Zeroes `output` and
    /// throws at the first segment that does not verify.
    private func openSegments(
        _ segments: Range<Int>,
        ciphertext: UnsafeRawBufferPointer,
        tags: UnsafeRawBufferPointer,
        header: UnsafeRawBufferPointer,
        index: UInt64,
        flags: UInt8,
        plaintextCount count: Int,
        into output: UnsafeMutableRawBufferPointer,
        offset: Int = 0
    ) throws(CryptoError) -> Int {
        for (position, segment) in segments.enumerated() {
            let range = format.segmentRange(segment, plaintextCount: count)
            let local = (range.lowerBound - offset)..<(range.upperBound - offset)
            let tag = UnsafeRawBufferPointer(rebasing: tags[(position * Self.tagSize)..<((position + 1) * Self.tagSize)])
            let verified: Bool
            do {
                verified = try ChunkNonce.with(index: index, flags: flags, segment: segment, algorithm: algorithm) {
                    (nonce) throws(CryptoError) in
                    try cipher.open(UnsafeRawBufferPointer(rebasing: ciphertext[local]), tag: tag, associatedData: header, nonce: nonce,
                                    into: UnsafeMutableRawBufferPointer(rebasing: output[local]))
                }
            } catch {
                output.zeroize()
                throw error
            }
            guard verified else {
                output.zeroize()
                if case .whole = format { throw .chunkAuthenticationFailed(index: index) }
                throw .segmentAuthenticationFailed(index: index, segment: segment)
            }
        }
        return segments.isEmpty ? 0 : format.segmentRange(segments.upperBound - 1, plaintextCount: count).upperBound - offset
    }

    /// Compares a structurally valid header with what the reader expects.
    private func check(_ header: ChunkHeader, sealedCount: Int, index: UInt64, isLast: Bool) throws(CryptoError) {
        guard header.format.version == format.version else {
            throw .chunkHeaderMismatch(index: index, field: "version", expected: "\(format.version)", found: "\(header.format.version)")
        }
        guard header.format == format else {
            throw .chunkHeaderMismatch(index: index, field: "segmentSize", expected: "\(format.segmentSize ?? 0)",
                                       found: "\(header.format.segmentSize ?? 0)")
        }
        guard header.algorithm == algorithm else {
            throw .chunkHeaderMismatch(
                index: index,
                field: "algorithm",
                expected: "\(algorithm.rawValue)",
                found: "\(header.algorithm.rawValue)"
            )
        }
        guard header.recordingIDHigh == id.high, header.recordingIDLow == id.low else {
            throw .chunkHeaderMismatch(
                index: index,
                field: "recordingID",
                expected: Hex.encode(id.bytes),
                found: Hex.encode(header.recordingID)
            )
        }
        guard header.index == index else {
            throw .chunkHeaderMismatch(index: index, field: "index", expected: "\(index)", found: "\(header.index)")
        }
        guard header.isLast == isLast else {
            throw .chunkHeaderMismatch(
                index: index,
                field: "lastFlag",
                expected: "\(isLast)",
                found: "\(header.isLast)"
            )
        }
        guard format.sealedSize(plaintextCount: Int(header.plaintextLength)) == sealedCount else {
            throw .chunkHeaderMismatch(
                index: index,
                field: "length",
                expected: format.plaintextCount(sealedCount: sealedCount).map { "\($0)" } ?? "none (sealed size \(sealedCount) fits no chunk)",
                found: "\(header.plaintextLength)"
            )
        }
    }
}
