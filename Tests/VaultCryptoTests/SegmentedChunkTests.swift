import Foundation
import Testing

@testable import VaultCrypto

/// Format 2: chunks sealed in segments, each with its own tag, any run of which opens alone.
@Suite struct SegmentedChunkTests {
    /// 4 KiB segments keep the fixtures small; the arithmetic is the same at 64 KiB.
    static let format = ChunkFormat.segmented(shift: 12)
    static let size = 4096
    static let sizes = [0, 1, 4095, 4096, 4097, 3 * 4096, 3 * 4096 + 5, 1 << 20]

    private func sealer(_ algorithm: ChunkAlgorithm, recordingID: [UInt8] = Fixture.recordingID) throws -> ChunkSealer {
        try Fixture.sealer(algorithm, recordingID: recordingID, format: Self.format)
    }

    /// Opens `span` in place from `read` (its ciphertext, then its tags, as a ranged blob read
    /// returns them), as the vault's range reader does.
    private func openSpan(_ sealer: ChunkSealer, _ read: inout [UInt8], _ span: SegmentSpan, index: UInt64 = 9, isLast: Bool = true,
                          plaintextCount: Int) -> Result<Int, CryptoError> {
        let cipherCount = span.ciphertext.count
        return read.withUnsafeMutableBytes { raw in
            Result { () throws(CryptoError) in
                try sealer.open(span: span, ciphertext: UnsafeRawBufferPointer(rebasing: raw[0..<cipherCount]),
                                tags: UnsafeRawBufferPointer(rebasing: raw[cipherCount...]), index: index, isLast: isLast,
                                plaintextCount: plaintextCount, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<cipherCount]))
            }
        }
    }

    // MARK: Sizes

    @Test func sealedSizeCountsOneTagPerStartedSegmentAndInvertsExactly() {
        #expect(Self.format.sealedSize(plaintextCount: 0) == 56)
        #expect(Self.format.sealedSize(plaintextCount: 1) == 57)
        #expect(Self.format.sealedSize(plaintextCount: 4096) == 40 + 4096 + 16)
        #expect(Self.format.sealedSize(plaintextCount: 4097) == 40 + 4097 + 32)
        #expect(ChunkFormat.current.sealedSize(plaintextCount: 4 << 20) == 40 + (4 << 20) + 64 * 16)
        var valid = Set<Int>()
        for count in 0...(5 * Self.size + 3) {
            let sealed = Self.format.sealedSize(plaintextCount: count)
            #expect(Self.format.plaintextCount(sealedCount: sealed) == count)
            valid.insert(sealed)
        }
        // Every other sealed size in the range (a tag with no segment bytes after a full one,
        // a header with no tag) is refused.
        for sealed in 0...Self.format.sealedSize(plaintextCount: 5 * Self.size) where !valid.contains(sealed) {
            #expect(Self.format.plaintextCount(sealedCount: sealed) == nil, "sealed size \(sealed)")
        }
        #expect(Self.format.plaintextCount(sealedCount: 40 + 4096 + 16 + 16) == nil)
    }

    @Test func manifestsNameFormatsThatExistOnly() {
        #expect(ChunkFormat(version: 1, segmentSize: nil) == .whole)
        #expect(ChunkFormat(version: 2, segmentSize: 65536) == .segmented(shift: 16))
        #expect(ChunkFormat(version: 2, segmentSize: 4096) == .segmented(shift: 12))
        for (version, size) in [(1, 65536), (2, nil), (2, 2048), (2, 1 << 25), (2, 65535), (2, 0), (2, -4096), (3, 65536), (0, nil)] as [(Int, Int?)] {
            #expect(ChunkFormat(version: version, segmentSize: size) == nil, "\(version) \(String(describing: size))")
        }
    }

    @Test func spansCoverExactlyTheSegmentsARangeTouches() {
        let count = 3 * Self.size + 5
        let span = Self.format.span(of: 4095..<4097, plaintextCount: count)
        #expect(span.segments == 0..<2)
        #expect(span.plaintext == 0..<8192)
        #expect(span.ciphertext == 40..<(40 + 8192))
        #expect(span.tags == (40 + count)..<(40 + count + 32))
        let tail = Self.format.span(of: (count - 1)..<count, plaintextCount: count)
        #expect(tail.segments == 3..<4 && tail.plaintext == (3 * 4096)..<count)
        #expect(tail.tags == (40 + count + 48)..<(40 + count + 64))
        let whole = ChunkFormat.whole.span(of: 10..<20, plaintextCount: count)
        #expect(whole.segments == 0..<1 && whole.plaintext == 0..<count)
    }

    // MARK: Round trips

    @Test(arguments: Fixture.algorithms, sizes)
    func roundTripsInPlaceAtSegmentBoundaries(algorithm: ChunkAlgorithm, size: Int) throws {
        let sealer = try sealer(algorithm)
        let plaintext = Fixture.plaintext(count: size)
        let sealed = try sealer.seal(plaintext, index: 3, isLast: false)
        #expect(sealed.count == Self.format.sealedSize(plaintextCount: size))
        #expect(sealed[4] == 2 && sealed[6] == 12)
        #expect(try sealer.open(sealed, index: 3, isLast: false) == plaintext)
        // In place, as the vault reads: the plaintext lands right after the header.
        var buffer = sealed
        let count = try buffer.withUnsafeMutableBytes { raw throws(CryptoError) in
            try sealer.open(UnsafeRawBufferPointer(raw), index: 3, isLast: false, into: UnsafeMutableRawBufferPointer(rebasing: raw[40...]))
        }
        #expect(count == size && Array(buffer[40..<(40 + size)]) == plaintext)
    }

    @Test(arguments: Fixture.algorithms)
    func anyRangeOpensFromItsSegmentsAlone(algorithm: ChunkAlgorithm) throws {
        let sealer = try sealer(algorithm)
        let count = 5 * Self.size + 100
        let plaintext = Fixture.plaintext(count: count)
        let sealed = try sealer.seal(plaintext, index: 9, isLast: true)
        var generator = SystemRandomNumberGenerator()
        let ranges = [0..<1, (count - 1)..<count, 0..<count, 4095..<4097, 4096..<8192, 100..<101] + (0..<40).map { _ in
            let start = Int.random(in: 0..<count, using: &generator)
            return start..<Int.random(in: (start + 1)...count, using: &generator)
        }
        for range in ranges {
            let span = Self.format.span(of: range, plaintextCount: count)
            #expect(span.plaintext.lowerBound <= range.lowerBound && span.plaintext.upperBound >= range.upperBound)
            #expect(span.plaintext.count < range.count + 2 * Self.size)
            // Only these bytes are read: ciphertext then tags, as a ranged blob read returns them.
            var read = Array(sealed[span.ciphertext]) + Array(sealed[span.tags])
            let opened = try openSpan(sealer, &read, span, plaintextCount: count).get()
            #expect(opened == span.plaintext.count)
            #expect(Array(read[0..<opened]) == Array(plaintext[span.plaintext]), "range \(range)")
        }
    }

    // MARK: Tampering

    /// Opens segments `segments` of a sealed chunk as a ranged reader would; returns the error.
    private func spanError(_ sealer: ChunkSealer, _ sealed: [UInt8], segments: Range<Int>, count: Int, index: UInt64 = 9,
                           isLast: Bool = true, plaintextCount: Int? = nil) -> CryptoError? {
        // The reader computes where to read from the length it believes, and reads what is there.
        let believed = plaintextCount ?? count
        let span = Self.format.span(of: (segments.lowerBound * Self.size)..<min(believed, segments.upperBound * Self.size), plaintextCount: believed)
        func bytes(_ range: Range<Int>) -> [UInt8] {
            Array(sealed[range.clamped(to: 0..<sealed.count)]) + [UInt8](repeating: 0, count: max(0, range.upperBound - sealed.count))
        }
        var read = bytes(span.ciphertext) + bytes(span.tags)
        let result = openSpan(sealer, &read, span, index: index, isLast: isLast, plaintextCount: believed)
        return cryptoError { () throws(CryptoError) in try result.get() }
    }

    @Test(arguments: Fixture.algorithms)
    func aFlippedBitIsPinnedToItsSegmentWhetherTheWholeChunkOrARangeIsOpened(algorithm: ChunkAlgorithm) throws {
        let sealer = try sealer(algorithm)
        let count = 4 * Self.size
        let sealed = try sealer.seal(Fixture.plaintext(count: count), index: 9, isLast: true)
        var flipped = sealed
        flipped[40 + 2 * Self.size + 77] ^= 0x10
        #expect(cryptoError { () throws(CryptoError) in try sealer.open(flipped, index: 9, isLast: true) }
                == .segmentAuthenticationFailed(index: 9, segment: 2))
        #expect(spanError(sealer, flipped, segments: 1..<3, count: count) == .segmentAuthenticationFailed(index: 9, segment: 2))
        // Segments that do not hold the flipped bit still open.
        #expect(spanError(sealer, flipped, segments: 3..<4, count: count) == nil)
        var tagFlipped = sealed
        tagFlipped[40 + count + 16 + 3] ^= 0x01
        #expect(spanError(sealer, tagFlipped, segments: 0..<4, count: count) == .segmentAuthenticationFailed(index: 9, segment: 1))
    }

    @Test(arguments: Fixture.algorithms)
    func swappedSegmentsOrTagsDoNotOpen(algorithm: ChunkAlgorithm) throws {
        let sealer = try sealer(algorithm)
        let count = 3 * Self.size
        let plaintext = Fixture.plaintext(count: count)
        let sealed = try sealer.seal(plaintext, index: 9, isLast: true)
        // Segments 0 and 1 exchanged together with their tags: each is now at the wrong number.
        var swapped = sealed
        let s = Self.size
        swapped.replaceSubrange((40)..<(40 + s), with: sealed[(40 + s)..<(40 + 2 * s)])
        swapped.replaceSubrange((40 + s)..<(40 + 2 * s), with: sealed[40..<(40 + s)])
        swapped.replaceSubrange((40 + count)..<(40 + count + 16), with: sealed[(40 + count + 16)..<(40 + count + 32)])
        swapped.replaceSubrange((40 + count + 16)..<(40 + count + 32), with: sealed[(40 + count)..<(40 + count + 16)])
        #expect(cryptoError { () throws(CryptoError) in try sealer.open(swapped, index: 9, isLast: true) }
                == .segmentAuthenticationFailed(index: 9, segment: 0))
        #expect(spanError(sealer, swapped, segments: 1..<2, count: count) == .segmentAuthenticationFailed(index: 9, segment: 1))
    }

    @Test(arguments: Fixture.algorithms)
    func aRangeReaderWithTheWrongIdentityOrLengthIsRefused(algorithm: ChunkAlgorithm) throws {
        let sealer = try sealer(algorithm)
        let count = 3 * Self.size + 10
        let sealed = try sealer.seal(Fixture.plaintext(count: count), index: 9, isLast: true)
        #expect(spanError(sealer, sealed, segments: 1..<2, count: count) == nil)
        // Moved to another position, cut short, extended, or from another recording: the header
        // the reader rebuilds differs, so the tag does not verify.
        #expect(spanError(sealer, sealed, segments: 1..<2, count: count, index: 8) == .segmentAuthenticationFailed(index: 8, segment: 1))
        #expect(spanError(sealer, sealed, segments: 1..<2, count: count, isLast: false) == .segmentAuthenticationFailed(index: 9, segment: 1))
        #expect(spanError(sealer, sealed, segments: 1..<2, count: count, plaintextCount: count + 1) == .segmentAuthenticationFailed(index: 9, segment: 1))
        let other = try self.sealer(algorithm, recordingID: Fixture.otherRecordingID)
        #expect(spanError(other, sealed, segments: 1..<2, count: count) == .segmentAuthenticationFailed(index: 9, segment: 1))
        let wholeFormat = try Fixture.sealer(algorithm, format: .segmented(shift: 13))
        #expect(cryptoError { () throws(CryptoError) in try wholeFormat.open(sealed, index: 9, isLast: true) }
                == .chunkHeaderMismatch(index: 9, field: "segmentSize", expected: "8192", found: "4096"))
    }

    @Test func aSpanMadeForAnotherLengthOrFormatIsRefusedNotTrusted() throws {
        let sealer = try sealer(.xchacha20poly1305)
        let count = 3 * Self.size
        let sealed = try sealer.seal(Fixture.plaintext(count: count), index: 9, isLast: true)
        for span in [ChunkFormat.segmented(shift: 13).span(of: 0..<8192, plaintextCount: count),
                     Self.format.span(of: 0..<100, plaintextCount: 5 * Self.size)] {
            var read = Array(sealed[span.ciphertext.clamped(to: 0..<sealed.count)])
            read += [UInt8](repeating: 0, count: span.ciphertext.count + span.tags.count - read.count)
            let result = openSpan(sealer, &read, span, plaintextCount: count)
            #expect(mismatchedField { () throws(CryptoError) in try result.get() } == "span")
        }
    }

    @Test(arguments: Fixture.algorithms)
    func aTruncatedOrExtendedChunkIsRefusedByLength(algorithm: ChunkAlgorithm) throws {
        let sealer = try sealer(algorithm)
        let count = 2 * Self.size + 10
        let sealed = try sealer.seal(Fixture.plaintext(count: count), index: 9, isLast: true)
        // Dropping the last segment with its tag leaves a well-formed size for fewer bytes.
        let dropped = Array(sealed[0..<(40 + 2 * Self.size)]) + Array(sealed[(40 + count)..<(40 + count + 32)])
        #expect(mismatchedField { () throws(CryptoError) in try sealer.open(dropped, index: 9, isLast: true) } == "length")
        #expect(mismatchedField { () throws(CryptoError) in try sealer.open(sealed + [0], index: 9, isLast: true) } == "length")
    }

    @Test(arguments: Fixture.algorithms)
    func aFailedOpenLeavesNoPlaintextEvenOfSegmentsThatVerified(algorithm: ChunkAlgorithm) throws {
        let sealer = try sealer(algorithm)
        let count = 3 * Self.size
        var sealed = try sealer.seal(Fixture.plaintext(count: count), index: 9, isLast: true)
        sealed[40 + 2 * Self.size] ^= 1
        var output = [UInt8](repeating: 0xEE, count: count)
        let result: Result<Int, CryptoError> = sealed.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { raw in Result { () throws(CryptoError) in try sealer.open(input, index: 9, isLast: true, into: raw) } }
        }
        let error = cryptoError { () throws(CryptoError) in try result.get() }
        #expect(error == .segmentAuthenticationFailed(index: 9, segment: 2))
        #expect(output.allSatisfy { $0 == 0 })
    }

    @Test func headersWithAnImpossibleSegmentSizeAreRefused() throws {
        let sealer = try sealer(.xchacha20poly1305)
        var sealed = try sealer.seal(Fixture.plaintext(count: 10), index: 9, isLast: true)
        for shift: UInt8 in [0, 11, 25, 255] {
            sealed[6] = shift
            #expect(mismatchedField { () throws(CryptoError) in try sealer.open(sealed, index: 9, isLast: true) } == "segmentSize")
        }
        sealed[6] = 12
        sealed[7] = 1
        #expect(mismatchedField { () throws(CryptoError) in try sealer.open(sealed, index: 9, isLast: true) } == "reserved")
    }

    // MARK: Known answers (docs/FORMAT.md §9.2.1, recomputed by scripts/format-vectors.py)

    struct Vector: Sendable, CustomTestStringConvertible {
        let algorithm: ChunkAlgorithm
        let header: String
        let tags: String
        let sha256: String
        let empty: String
        var testDescription: String { "\(algorithm)" }
    }

    static let vectors: [Vector] = [
        Vector(algorithm: .aes256gcm,
               header: "5356434b02010c00a0a1a2a3a4a5a6a7a8a9aaabacadaeaf00000000000000010000101801000000",
               tags: "b77bc198a9d378b866c3a000a0353c06e4822ea7c981a9a9fac4be9e4e89174c",
               sha256: "ecf0751ca70c3cf36af5b3955776215298765448f06b852534dbd866c6318fc1",
               empty: "5356434b02011000a0a1a2a3a4a5a6a7a8a9aaabacadaeaf00000000000000020000000001000000"
                   + "0c11bd5608f8ca452eeea50ae69656f2"),
        Vector(algorithm: .xchacha20poly1305,
               header: "5356434b02020c00a0a1a2a3a4a5a6a7a8a9aaabacadaeaf00000000000000010000101801000000",
               tags: "65dea98d2c435974b20e59110e5780aead101a5b375a5a45f31b5be6101f2713",
               sha256: "496791b6e732b55b157f6a1fd828868f9c50ffba7fa72a718e5417191784ae53",
               empty: "5356434b02021000a0a1a2a3a4a5a6a7a8a9aaabacadaeaf00000000000000020000000001000000"
                   + "2ad2fb429984e981b37e24bcf8dfb818"),
    ].filter { $0.algorithm.isAvailable }

    @Test(arguments: vectors)
    func sealingReproducesTheDocumentedFormatTwoVectors(vector: Vector) throws {
        let plaintext = (0..<4120).map { UInt8($0 % 251) }
        let sealed = try sealer(vector.algorithm).seal(plaintext, index: 1, isLast: true)
        #expect(sealed.count == 4192)
        #expect(Hex.encode(sealed[0..<40]) == vector.header)
        #expect(Hex.encode(sealed[(40 + 4120)...]) == vector.tags)
        #expect(Hex.encode(ChunkDigest.sha256(sealed)) == vector.sha256)
        #expect(try sealer(vector.algorithm).open(sealed, index: 1, isLast: true) == plaintext)

        let current = try Fixture.sealer(vector.algorithm, format: .current)
        let empty = try current.seal([], index: 2, isLast: true)
        #expect(Hex.encode(empty) == vector.empty)
        #expect(try current.open(Hex.decode(vector.empty)!, index: 2, isLast: true) == [])
    }

    @Test func formatDocumentPublishesTheFormatTwoVectors() throws {
        let document = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/FORMAT.md")
        let text = try String(contentsOf: document, encoding: .utf8)
        for vector in Self.vectors {
            for value in [vector.header, vector.tags, vector.sha256, vector.empty] {
                #expect(text.contains(value), "docs/FORMAT.md lacks \(value.prefix(24))…")
            }
        }
    }
}
