internal import CSodium

/// Seals and opens one recording's chunks: `header(40) ‖ ciphertext(n) ‖ tag(16)` (see docs/FORMAT.md).
///
/// A sealer binds a data key, an algorithm and a recording id. The 40-byte header is the AEAD's
/// associated data and the nonce is derived from (index, last flag), so a chunk opens only at the
/// position, in the recording, and with the last-chunk status it was sealed for: reordering, swapping
/// chunks between recordings, truncation and extension are all detected, and reported with the header
/// field that gave them away.
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
    private let id: RecordingID
    private let cipher: AEADCipher

    /// The 16-byte recording id every chunk is bound to.
    public var recordingID: [UInt8] { id.bytes }

    /// - Parameters:
    ///   - key: the recording's data key.
    ///   - algorithm: the AEAD; must be available on this machine.
    ///   - recordingID: exactly 16 bytes.
    /// - Throws: ``CryptoError/invalidRecordingID(length:)``, ``CryptoError/algorithmUnavailable(_:)``,
    ///   ``CryptoError/secureMemoryUnavailable(bytes:)``.
    public init(key: DataKey, algorithm: ChunkAlgorithm, recordingID: [UInt8]) throws {
        self.id = try RecordingID(recordingID)
        self.cipher = try AEADCipher(algorithm: algorithm, key: key.bytes)
        self.algorithm = algorithm
    }

    /// `headerSize + plaintextCount + tagSize`.
    public static func sealedSize(plaintextCount: Int) -> Int {
        headerSize + plaintextCount + tagSize
    }

    /// The plaintext size of a sealed chunk of `sealedCount` bytes, or `nil` if no valid chunk has that size.
    public static func plaintextCount(sealedCount: Int) -> Int? {
        let count = sealedCount - headerSize - tagSize
        guard count >= 0, count <= maxPlaintextCount else { return nil }
        return count
    }

    /// Writes header ‖ ciphertext ‖ tag into `output` (must be at least sealedSize) and returns the byte count.
    ///
    /// `plaintext` may live inside `output`: the cheapest layout is to read the plaintext straight into
    /// `output[headerSize...]` and seal in place. Any other overlap is handled too (the plaintext is
    /// first moved to its ciphertext position). On failure the first `sealedSize` bytes of `output` are
    /// zeroed.
    ///
    /// - Throws: ``CryptoError/chunkTooLarge(index:count:)``, ``CryptoError/outputTooSmall(needed:got:)``,
    ///   or ``CryptoError/sodiumCallFailed(function:code:)``.
    public func seal(
        _ plaintext: UnsafeRawBufferPointer,
        index: UInt64,
        isLast: Bool,
        into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) -> Int {
        let count = plaintext.count
        guard count <= Self.maxPlaintextCount else { throw .chunkTooLarge(index: index, count: count) }
        let sealedCount = Self.sealedSize(plaintextCount: count)
        guard output.count >= sealedCount else { throw .outputTooSmall(needed: sealedCount, got: output.count) }

        let headerBytes = UnsafeMutableRawBufferPointer(rebasing: output[0..<Self.headerSize])
        let body = UnsafeMutableRawBufferPointer(rebasing: output[Self.headerSize..<Self.headerSize + count])
        let tag = UnsafeMutableRawBufferPointer(rebasing: output[Self.headerSize + count..<sealedCount])

        // Move an overlapping plaintext to its ciphertext position before the header is written over
        // it; libsodium then only ever sees exact aliasing, which it supports.
        var source = plaintext
        if plaintext.overlaps(UnsafeRawBufferPointer(output)) {
            if plaintext.baseAddress != UnsafeRawPointer(body.baseAddress) {
                body.baseAddress!.copyMemory(from: plaintext.baseAddress!, byteCount: count)  // memmove
            }
            source = UnsafeRawBufferPointer(body)
        }

        let header = ChunkHeader(
            algorithm: algorithm,
            recordingID: id,
            index: index,
            plaintextLength: UInt32(count),
            isLast: isLast
        )
        header.write(into: headerBytes)
        do {
            try ChunkNonce.with(index: index, flags: header.flags, algorithm: algorithm) {
                (nonce) throws(CryptoError) in
                try cipher.seal(
                    source,
                    into: body,
                    tag: tag,
                    associatedData: UnsafeRawBufferPointer(headerBytes),
                    nonce: nonce
                )
            }
        } catch {
            UnsafeMutableRawBufferPointer(rebasing: output[0..<sealedCount]).zeroize()
            throw error
        }
        return sealedCount
    }

    /// Verifies the header fields against (recordingID, index, isLast, algorithm, version) and the tag,
    /// then decrypts into `output`; returns the plaintext count.
    ///
    /// Checks run in this order, each failing with a typed error that names what gave the chunk away:
    /// size (``CryptoError/chunkTooShort(index:count:)``); header magic, version, algorithm, reserved
    /// bytes, flag bits, recording id, index, last flag and length
    /// (``CryptoError/chunkHeaderMismatch(index:field:expected:found:)``); output size
    /// (``CryptoError/outputTooSmall(needed:got:)``); and finally the AEAD tag
    /// (``CryptoError/chunkAuthenticationFailed(index:)``).
    ///
    /// What `output` holds after a failure: a header or size failure writes nothing. An authentication
    /// failure leaves `output[0..<plaintextCount]` zeroed: libsodium (1.0.18 as built by Debian, both
    /// algorithms) verifies the tag before it writes any plaintext and zeroes the range on failure, and
    /// this wrapper zeroes it again regardless of the library version. Either way the contents are unspecified
    /// and must not be used; in particular, a failed in-place open destroys the ciphertext it was given,
    /// so a caller that must keep a corrupt chunk for inspection opens into a separate buffer.
    ///
    /// `output` may alias `sealed`: exactly in place (`output` starting at `sealed[headerSize...]`)
    /// costs nothing extra; any other overlap stages header and tag on the stack and moves the
    /// ciphertext first.
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
        let count = sealed.count - Self.headerSize - Self.tagSize
        guard output.count >= count else { throw .outputTooSmall(needed: count, got: output.count) }

        let plaintext = UnsafeMutableRawBufferPointer(rebasing: output[0..<count])
        let verified = ChunkNonce.with(index: index, flags: header.flags, algorithm: algorithm) { nonce in
            let ciphertext = UnsafeRawBufferPointer(rebasing: sealed[Self.headerSize..<Self.headerSize + count])
            let headerBytes = UnsafeRawBufferPointer(rebasing: sealed[0..<Self.headerSize])
            let tag = UnsafeRawBufferPointer(rebasing: sealed[Self.headerSize + count..<sealed.count])
            let inPlace = UnsafeRawPointer(plaintext.baseAddress) == ciphertext.baseAddress
            guard !inPlace, UnsafeRawBufferPointer(plaintext).overlaps(sealed) else {
                return cipher.open(ciphertext, tag: tag, associatedData: headerBytes, nonce: nonce, into: plaintext)
            }
            // Overlapping but not in place: keep copies of header and tag on the stack, move the
            // ciphertext to where the plaintext goes, and decrypt there in place.
            return withUnsafeTemporaryAllocation(byteCount: Self.headerSize + Self.tagSize, alignment: 8) { stage in
                stage.copyMemory(from: headerBytes)
                UnsafeMutableRawBufferPointer(rebasing: stage[Self.headerSize...]).copyMemory(from: tag)
                if count > 0 { plaintext.baseAddress!.copyMemory(from: ciphertext.baseAddress!, byteCount: count) }
                return cipher.open(
                    UnsafeRawBufferPointer(plaintext),
                    tag: UnsafeRawBufferPointer(rebasing: stage[Self.headerSize...]),
                    associatedData: UnsafeRawBufferPointer(rebasing: stage[0..<Self.headerSize]),
                    nonce: nonce,
                    into: plaintext
                )
            }
        }
        guard verified else { throw .chunkAuthenticationFailed(index: index) }
        return count
    }

    /// Compares a structurally valid header with what the reader expects.
    private func check(_ header: ChunkHeader, sealedCount: Int, index: UInt64, isLast: Bool) throws(CryptoError) {
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
        let expectedLength = sealedCount - Self.headerSize - Self.tagSize
        guard Int(header.plaintextLength) == expectedLength else {
            throw .chunkHeaderMismatch(
                index: index,
                field: "length",
                expected: "\(expectedLength)",
                found: "\(header.plaintextLength)"
            )
        }
    }
}
