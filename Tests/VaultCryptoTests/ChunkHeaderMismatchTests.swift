import Testing

@testable import VaultCrypto

/// Every header field a reader checks, each failing with the typed error that names it.
@Suite struct ChunkHeaderMismatchTests {
    static let plaintext = Array("header mismatch fixture".utf8)

    private func sealed(_ algorithm: ChunkAlgorithm, index: UInt64 = 5, isLast: Bool = false) throws -> [UInt8] {
        try Fixture.sealer(algorithm).seal(Self.plaintext, index: index, isLast: isLast)
    }

    private func field(after edit: (inout [UInt8]) -> Void, _ algorithm: ChunkAlgorithm) throws -> String? {
        var chunk = try sealed(algorithm)
        edit(&chunk)
        let sealer = try Fixture.sealer(algorithm)
        return mismatchedField { () throws(CryptoError) in try sealer.open(chunk, index: 5, isLast: false) }
    }

    @Test(arguments: Fixture.algorithms)
    func wrongMagicIsReportedAsMagic(algorithm: ChunkAlgorithm) throws {
        #expect(try field(after: { $0[0] = UInt8(ascii: "X") }, algorithm) == "magic")
    }

    @Test(arguments: Fixture.algorithms)
    func unknownVersionIsReportedAsVersion(algorithm: ChunkAlgorithm) throws {
        #expect(try field(after: { $0[4] = 3 }, algorithm) == "version")
        // A well-formed format-2 header on a chunk the reader expects in format 1.
        #expect(try field(after: { $0[4] = 2; $0[6] = 16 }, algorithm) == "version")
    }

    @Test(arguments: Fixture.algorithms)
    func unknownAlgorithmByteIsReportedAsAlgorithm(algorithm: ChunkAlgorithm) throws {
        #expect(try field(after: { $0[5] = 9 }, algorithm) == "algorithm")
    }

    @Test func chunkFromTheOtherAlgorithmIsReportedAsAlgorithm() throws {
        let chunk = try sealed(.xchacha20poly1305)
        let aes = try Fixture.sealer(.aes256gcm)
        let error = cryptoError { () throws(CryptoError) in try aes.open(chunk, index: 5, isLast: false) }
        #expect(error == .chunkHeaderMismatch(index: 5, field: "algorithm", expected: "1", found: "2"))
    }

    @Test(arguments: Fixture.algorithms, [6, 7, 37, 38, 39])
    func nonZeroReservedByteIsReportedAsReserved(algorithm: ChunkAlgorithm, offset: Int) throws {
        #expect(try field(after: { $0[offset] = 1 }, algorithm) == "reserved")
    }

    @Test(arguments: Fixture.algorithms)
    func unknownFlagBitIsReportedAsFlags(algorithm: ChunkAlgorithm) throws {
        #expect(try field(after: { $0[36] |= 0x02 }, algorithm) == "flags")
    }

    @Test(arguments: Fixture.algorithms)
    func chunkFromAnotherRecordingIsReportedAsRecordingID(algorithm: ChunkAlgorithm) throws {
        let foreign = try Fixture.sealer(algorithm, recordingID: Fixture.otherRecordingID)
            .seal(Self.plaintext, index: 5, isLast: false)
        let sealer = try Fixture.sealer(algorithm)
        let error = cryptoError { () throws(CryptoError) in try sealer.open(foreign, index: 5, isLast: false) }
        #expect(
            error
                == .chunkHeaderMismatch(
                    index: 5,
                    field: "recordingID",
                    expected: Hex.encode(Fixture.recordingID),
                    found: Hex.encode(Fixture.otherRecordingID)
                )
        )
    }

    @Test(arguments: Fixture.algorithms)
    func chunkAtAnotherPositionIsReportedAsIndex(algorithm: ChunkAlgorithm) throws {
        let chunk = try sealed(algorithm, index: 6)
        let sealer = try Fixture.sealer(algorithm)
        let error = cryptoError { () throws(CryptoError) in try sealer.open(chunk, index: 5, isLast: false) }
        #expect(error == .chunkHeaderMismatch(index: 5, field: "index", expected: "5", found: "6"))
    }

    @Test(arguments: Fixture.algorithms)
    func truncatedRecordingIsReportedAsLastFlag(algorithm: ChunkAlgorithm) throws {
        // The reader expects chunk 5 to be the last one, but the writer sealed more after it.
        let chunk = try sealed(algorithm, index: 5, isLast: false)
        let sealer = try Fixture.sealer(algorithm)
        let error = cryptoError { () throws(CryptoError) in try sealer.open(chunk, index: 5, isLast: true) }
        #expect(error == .chunkHeaderMismatch(index: 5, field: "lastFlag", expected: "true", found: "false"))
    }

    @Test(arguments: Fixture.algorithms)
    func extendedRecordingIsReportedAsLastFlag(algorithm: ChunkAlgorithm) throws {
        let chunk = try sealed(algorithm, index: 5, isLast: true)
        let sealer = try Fixture.sealer(algorithm)
        #expect(
            mismatchedField { () throws(CryptoError) in try sealer.open(chunk, index: 5, isLast: false) } == "lastFlag"
        )
    }

    @Test(arguments: Fixture.algorithms)
    func truncatedOrExtendedChunkIsReportedAsLength(algorithm: ChunkAlgorithm) throws {
        let chunk = try sealed(algorithm)
        let sealer = try Fixture.sealer(algorithm)
        let shorter = Array(chunk.dropLast())
        let longer = chunk + [0]
        #expect(
            cryptoError { () throws(CryptoError) in try sealer.open(shorter, index: 5, isLast: false) }
                == .chunkHeaderMismatch(
                    index: 5,
                    field: "length",
                    expected: "\(Self.plaintext.count - 1)",
                    found: "\(Self.plaintext.count)"
                )
        )
        #expect(
            mismatchedField { () throws(CryptoError) in try sealer.open(longer, index: 5, isLast: false) } == "length"
        )
    }

    @Test(arguments: Fixture.algorithms)
    func chunkShorterThanHeaderAndTagIsTooShort(algorithm: ChunkAlgorithm) throws {
        let chunk = Array(try sealed(algorithm).prefix(55))
        let sealer = try Fixture.sealer(algorithm)
        #expect(
            cryptoError { () throws(CryptoError) in try sealer.open(chunk, index: 5, isLast: false) }
                == .chunkTooShort(index: 5, count: 55)
        )
    }

    @Test(arguments: Fixture.algorithms)
    func headerFailuresWriteNothingToTheOutput(algorithm: ChunkAlgorithm) throws {
        var chunk = try sealed(algorithm)
        chunk[8] ^= 1
        let sealer = try Fixture.sealer(algorithm)
        var output = [UInt8](repeating: 0xAA, count: Self.plaintext.count)
        let error = cryptoError { () throws(CryptoError) in
            try chunk.withUnsafeBytes { input in
                output.withUnsafeMutableBytes { output in
                    Result { () throws(CryptoError) in try sealer.open(input, index: 5, isLast: false, into: output) }
                }
            }.get()
        }
        #expect(error != nil)
        #expect(output.allSatisfy { $0 == 0xAA })
    }

    @Test(arguments: Fixture.algorithms)
    func parsedHeaderExposesItsClaims(algorithm: ChunkAlgorithm) throws {
        let chunk = try sealed(algorithm, index: 0x0102_0304_0506_0708, isLast: true)
        let header = try chunk.withUnsafeBytes { raw throws(CryptoError) in try ChunkHeader(parsing: raw) }
        #expect(header.algorithm == algorithm)
        #expect(header.recordingID == Fixture.recordingID)
        #expect(header.index == 0x0102_0304_0506_0708)
        #expect(header.plaintextLength == UInt32(Self.plaintext.count))
        #expect(header.isLast)
        #expect(Array(chunk[24..<32]) == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func errorDescriptionsNameTheFieldButNoPlaintext() throws {
        let error = CryptoError.chunkHeaderMismatch(index: 5, field: "index", expected: "5", found: "6")
        #expect(error.description == "chunk 5: header field index is 6, expected 5")
        #expect(CryptoError.chunkAuthenticationFailed(index: 3).description.contains("chunk 3"))
    }
}
