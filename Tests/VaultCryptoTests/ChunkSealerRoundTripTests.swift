import Testing

@testable import VaultCrypto

@Suite struct ChunkSealerRoundTripTests {
    static let sizes = [0, 1, 4095, 4096, 4097, 1 << 20]

    @Test(arguments: Fixture.algorithms, sizes)
    func roundTripsAtBoundarySizes(algorithm: ChunkAlgorithm, size: Int) throws {
        let sealer = try Fixture.sealer(algorithm)
        let plaintext = Fixture.plaintext(count: size)
        let sealed = try sealer.seal(plaintext, index: 7, isLast: false)
        #expect(sealed.count == size + 56)
        #expect(ChunkFormat.whole.plaintextCount(sealedCount: sealed.count) == size)
        if size > 16 { #expect(sealed[40..<56] != plaintext[0..<16]) }
        #expect(try sealer.open(sealed, index: 7, isLast: false) == plaintext)
    }

    @Test func sizesAreHeaderPlusPlaintextPlusTag() {
        #expect(ChunkSealer.headerSize == 40)
        #expect(ChunkSealer.tagSize == 16)
        #expect(ChunkFormat.whole.sealedSize(plaintextCount: 100) == 156)
        #expect(ChunkFormat.whole.plaintextCount(sealedCount: 156) == 100)
        #expect(ChunkFormat.whole.plaintextCount(sealedCount: 56) == 0)
        #expect(ChunkFormat.whole.plaintextCount(sealedCount: 55) == nil)
        #expect(ChunkFormat.whole.plaintextCount(sealedCount: 56 + Int(UInt32.max) + 1) == nil)
    }

    @Test(arguments: Fixture.algorithms)
    func sealingIsDeterministicPerKeyRecordingIndexAndFlag(algorithm: ChunkAlgorithm) throws {
        let sealer = try Fixture.sealer(algorithm)
        let plaintext = Fixture.plaintext(count: 64)
        let first = try sealer.seal(plaintext, index: 3, isLast: false)
        #expect(try sealer.seal(plaintext, index: 3, isLast: false) == first)
        #expect(try sealer.seal(plaintext, index: 4, isLast: false)[56...] != first[56...])
        #expect(try sealer.seal(plaintext, index: 3, isLast: true)[56...] != first[56...])
    }

    @Test(arguments: Fixture.algorithms)
    func sealsInPlaceWhenThePlaintextSitsAfterTheHeader(algorithm: ChunkAlgorithm) throws {
        let sealer = try Fixture.sealer(algorithm)
        let plaintext = Fixture.plaintext(count: 5000)
        let expected = try sealer.seal(plaintext, index: 1, isLast: true)
        var buffer = [UInt8](repeating: 0, count: expected.count)
        buffer.replaceSubrange(40..<5040, with: plaintext)
        let written = try buffer.withUnsafeMutableBytes { output in
            try sealer.seal(UnsafeRawBufferPointer(rebasing: output[40..<5040]), index: 1, isLast: true, into: output)
        }
        #expect(written == expected.count)
        #expect(buffer == expected)
    }

    @Test(arguments: Fixture.algorithms)
    func sealsAPlaintextThatOverlapsTheHeader(algorithm: ChunkAlgorithm) throws {
        let sealer = try Fixture.sealer(algorithm)
        let plaintext = Fixture.plaintext(count: 300)
        let expected = try sealer.seal(plaintext, index: 2, isLast: false)
        var buffer = [UInt8](repeating: 0, count: expected.count)
        buffer.replaceSubrange(0..<300, with: plaintext)
        _ = try buffer.withUnsafeMutableBytes { output in
            try sealer.seal(UnsafeRawBufferPointer(rebasing: output[0..<300]), index: 2, isLast: false, into: output)
        }
        #expect(buffer == expected)
    }

    @Test(arguments: Fixture.algorithms)
    func opensInPlace(algorithm: ChunkAlgorithm) throws {
        let sealer = try Fixture.sealer(algorithm)
        let plaintext = Fixture.plaintext(count: 4097)
        var buffer = try sealer.seal(plaintext, index: 9, isLast: false)
        let count = try buffer.withUnsafeMutableBytes { raw in
            try sealer.open(
                UnsafeRawBufferPointer(raw),
                index: 9,
                isLast: false,
                into: UnsafeMutableRawBufferPointer(rebasing: raw[40...])
            )
        }
        #expect(Array(buffer[40..<40 + count]) == plaintext)
    }

    @Test(arguments: Fixture.algorithms)
    func opensToTheStartOfItsOwnBuffer(algorithm: ChunkAlgorithm) throws {
        let sealer = try Fixture.sealer(algorithm)
        let plaintext = Fixture.plaintext(count: 1000)
        var buffer = try sealer.seal(plaintext, index: 0, isLast: true)
        let count = try buffer.withUnsafeMutableBytes { raw in
            try sealer.open(UnsafeRawBufferPointer(raw), index: 0, isLast: true, into: raw)
        }
        #expect(Array(buffer[0..<count]) == plaintext)
    }

    @Test(arguments: Fixture.algorithms)
    func outputBuffersThatAreTooSmallAreRefused(algorithm: ChunkAlgorithm) throws {
        let sealer = try Fixture.sealer(algorithm)
        let plaintext = Fixture.plaintext(count: 10)
        var small = [UInt8](repeating: 0, count: 65)
        let sealError = cryptoError { () throws(CryptoError) in
            try plaintext.withUnsafeBytes { input in
                small.withUnsafeMutableBytes { output in
                    Result { () throws(CryptoError) in try sealer.seal(input, index: 0, isLast: false, into: output) }
                }
            }.get()
        }
        #expect(sealError == .outputTooSmall(needed: 66, got: 65))

        let sealed = try sealer.seal(plaintext, index: 0, isLast: false)
        var tiny = [UInt8](repeating: 0, count: 9)
        let openError = cryptoError { () throws(CryptoError) in
            try sealed.withUnsafeBytes { input in
                tiny.withUnsafeMutableBytes { output in
                    Result { () throws(CryptoError) in try sealer.open(input, index: 0, isLast: false, into: output) }
                }
            }.get()
        }
        #expect(openError == .outputTooSmall(needed: 10, got: 9))
    }

    @Test func recordingIDsMustBeSixteenBytes() throws {
        #expect(throws: CryptoError.invalidRecordingID(length: 15)) {
            _ = try ChunkSealer(
                key: Fixture.dataKey(),
                algorithm: .xchacha20poly1305,
                recordingID: Array(Fixture.recordingID.prefix(15)),
                format: .current
            )
        }
        #expect(try Fixture.sealer(.xchacha20poly1305).recordingID == Fixture.recordingID)
    }

    @Test func dataKeysMustBeThirtyTwoBytes() {
        #expect(throws: CryptoError.invalidKeyLength(what: "data key", expected: 32, got: 16)) {
            _ = try DataKey(bytes: SecureBytes.random(count: 16))
        }
    }

    @Test func algorithmsHaveStableNamesAndHeaderBytes() {
        #expect(ChunkAlgorithm(name: "aes256gcm") == .aes256gcm)
        #expect(ChunkAlgorithm(name: "xchacha20poly1305") == .xchacha20poly1305)
        #expect(ChunkAlgorithm(name: "AES") == nil)
        #expect(ChunkAlgorithm.aes256gcm.rawValue == 1 && ChunkAlgorithm.xchacha20poly1305.rawValue == 2)
        #expect(ChunkAlgorithm.xchacha20poly1305.isAvailable)
    }

    @Test func preferredAlgorithmIsAESExactlyWhenTheCPUAcceleratesIt() {
        #expect((ChunkAlgorithm.preferred == .aes256gcm) == ChunkAlgorithm.aes256gcm.isAvailable)
    }

    @Test(arguments: Fixture.algorithms)
    func oneSealerServesManyConcurrentTasks(algorithm: ChunkAlgorithm) async throws {
        let sealer = try Fixture.sealer(algorithm)
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<16 {
                group.addTask {
                    let plaintext = Fixture.plaintext(count: 10_000 + index)
                    let sealed = try sealer.seal(plaintext, index: UInt64(index), isLast: index == 15)
                    return try sealer.open(sealed, index: UInt64(index), isLast: index == 15) == plaintext
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 16 && results.allSatisfy { $0 })
    }
}
