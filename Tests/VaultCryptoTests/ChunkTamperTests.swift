import Testing

@testable import VaultCrypto

/// Any change to a sealed chunk, anywhere, makes it fail to open.
@Suite struct ChunkTamperTests {
    static let plaintext = Array("tamper-evidence fixture, 40 bytes long..".utf8)

    @Test(arguments: Fixture.algorithms)
    func flippingAnyBitAnywhereIsDetected(algorithm: ChunkAlgorithm) throws {
        let sealer = try Fixture.sealer(algorithm)
        let chunk = try sealer.seal(Self.plaintext, index: 11, isLast: false)
        for offset in chunk.indices {
            for bit in 0..<8 {
                var tampered = chunk
                tampered[offset] ^= UInt8(1) << bit
                let error = cryptoError { () throws(CryptoError) in try sealer.open(tampered, index: 11, isLast: false)
                }
                #expect(error != nil, "flip of bit \(bit) at offset \(offset) went unnoticed")
                if offset >= ChunkSealer.headerSize {
                    #expect(error == .chunkAuthenticationFailed(index: 11))
                }
            }
        }
    }

    @Test(arguments: Fixture.algorithms)
    func rewritingTheHeaderToMatchDoesNotHelpAForgery(algorithm: ChunkAlgorithm) throws {
        let sealer = try Fixture.sealer(algorithm)
        // Moved chunk: chunk 3 relabelled as chunk 4. Foreign chunk: relabelled with this recording's id.
        // Truncation: a middle chunk relabelled as the last one.
        var moved = try sealer.seal(Self.plaintext, index: 3, isLast: false)
        moved.replaceSubrange(24..<32, with: [0, 0, 0, 0, 0, 0, 0, 4])
        var foreign = try Fixture.sealer(algorithm, recordingID: Fixture.otherRecordingID)
            .seal(Self.plaintext, index: 4, isLast: false)
        foreign.replaceSubrange(8..<24, with: Fixture.recordingID)
        var truncated = try sealer.seal(Self.plaintext, index: 4, isLast: false)
        truncated[36] = 1

        #expect(
            cryptoError { () throws(CryptoError) in try sealer.open(moved, index: 4, isLast: false) }
                == .chunkAuthenticationFailed(index: 4)
        )
        #expect(
            cryptoError { () throws(CryptoError) in try sealer.open(foreign, index: 4, isLast: false) }
                == .chunkAuthenticationFailed(index: 4)
        )
        #expect(
            cryptoError { () throws(CryptoError) in try sealer.open(truncated, index: 4, isLast: true) }
                == .chunkAuthenticationFailed(index: 4)
        )
    }

    @Test(arguments: Fixture.algorithms)
    func chunkSealedUnderAnotherKeyDoesNotOpen(algorithm: ChunkAlgorithm) throws {
        let other = try ChunkSealer(key: DataKey.generate(), algorithm: algorithm, recordingID: Fixture.recordingID, format: .whole)
        let chunk = try other.seal(Self.plaintext, index: 0, isLast: true)
        let sealer = try Fixture.sealer(algorithm)
        #expect(
            cryptoError { () throws(CryptoError) in try sealer.open(chunk, index: 0, isLast: true) }
                == .chunkAuthenticationFailed(index: 0)
        )
    }

    @Test(arguments: Fixture.algorithms)
    func failedOpenLeavesZeroesNotPlaintext(algorithm: ChunkAlgorithm) throws {
        let sealer = try Fixture.sealer(algorithm)
        var chunk = try sealer.seal(Self.plaintext, index: 2, isLast: false)
        chunk[chunk.count - 1] ^= 0x80
        var output = [UInt8](repeating: 0xAA, count: Self.plaintext.count + 8)
        let error = cryptoError { () throws(CryptoError) in
            try chunk.withUnsafeBytes { input in
                output.withUnsafeMutableBytes { output in
                    Result { () throws(CryptoError) in try sealer.open(input, index: 2, isLast: false, into: output) }
                }
            }.get()
        }
        #expect(error == .chunkAuthenticationFailed(index: 2))
        #expect(output[0..<Self.plaintext.count].allSatisfy { $0 == 0 })
        #expect(output[Self.plaintext.count...].allSatisfy { $0 == 0xAA })
    }

    @Test(arguments: Fixture.algorithms)
    func emptyLastChunkIsStillAuthenticated(algorithm: ChunkAlgorithm) throws {
        let sealer = try Fixture.sealer(algorithm)
        var chunk = try sealer.seal([], index: 9, isLast: true)
        #expect(try sealer.open(chunk, index: 9, isLast: true).isEmpty)
        chunk[45] ^= 1
        #expect(
            cryptoError { () throws(CryptoError) in try sealer.open(chunk, index: 9, isLast: true) }
                == .chunkAuthenticationFailed(index: 9)
        )
    }
}
