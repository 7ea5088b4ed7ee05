import CSodium
import Dispatch
import Synchronization
import Testing

@testable import VaultCrypto

/// The chunk cipher's AES-256-GCM (OpenSSL, ``OpenSSLGCM``) against libsodium's
/// `crypto_aead_aes256gcm`, which sealed every AES chunk before it: the same bytes out, each opens
/// what the other sealed, at every size around the segment boundaries, and both refuse the same
/// tampering, with the error codes the vault has always reported.
@Suite(.enabled(if: ChunkAlgorithm.aes256gcm.isAvailable), .timeLimit(.minutes(2)))
struct AESGCMCrossCheckTests {
    /// The AEAD call sizes around the boundaries that matter: empty, one byte, one AES block ±1, and a
    /// 4 KiB and a 64 KiB segment ±1, and several segments.
    static let callSizes = [0, 1, 15, 16, 17, 4095, 4096, 4097, 65535, 65536, 65537, 3 * 65536 + 5]

    /// Chunk plaintext sizes for each format: around its segment size, and several segments.
    static let chunkCases: [(format: ChunkFormat, count: Int)] =
        [0, 1, 15, 16, 17, 4095, 4096, 4097, 3 * 4096 + 17].map { (ChunkFormat.segmented(shift: 12), $0) }
        + [65535, 65536, 65537, 4 * 65536 + 1].map { (ChunkFormat.current, $0) }
        + [0, 17, 65537].map { (ChunkFormat.whole, $0) }

    static let associatedData = Fixture.plaintext(count: 40).reversed().map { $0 ^ 0x5a }

    static func nonce(_ seed: Int) -> [UInt8] { (0..<12).map { UInt8(truncatingIfNeeded: seed &* 7 &+ $0) } }

    // MARK: one AEAD call

    @Test(arguments: callSizes)
    func bothImplementationsSealTheSameBytes(count: Int) throws {
        let reference = try SodiumAESGCM(key: Fixture.dataKeyBytes)
        let plaintext = Fixture.plaintext(count: count)
        let expected = reference.seal(plaintext, ad: Self.associatedData, nonce: Self.nonce(count))
        let sealed = try ChunkCipherCall.seal(plaintext, ad: Self.associatedData, nonce: Self.nonce(count))
        #expect(sealed.ciphertext == expected.ciphertext)
        #expect(sealed.tag == expected.tag)
    }

    @Test(arguments: callSizes)
    func eachOpensWhatTheOtherSealed(count: Int) throws {
        let reference = try SodiumAESGCM(key: Fixture.dataKeyBytes)
        let plaintext = Fixture.plaintext(count: count)
        let bySodium = reference.seal(plaintext, ad: Self.associatedData, nonce: Self.nonce(count))
        let byOpenSSL = try ChunkCipherCall.seal(plaintext, ad: Self.associatedData, nonce: Self.nonce(count))
        #expect(try ChunkCipherCall.open(bySodium.ciphertext, tag: bySodium.tag, ad: Self.associatedData, nonce: Self.nonce(count)) == plaintext)
        #expect(reference.open(byOpenSSL.ciphertext, tag: byOpenSSL.tag, ad: Self.associatedData, nonce: Self.nonce(count)) == plaintext)
    }

    enum Tampering: String, CaseIterable, Sendable {
        case tagFirstByte, tagLastByte, ciphertextFirstByte, ciphertextLastByte, associatedData, nonce
    }

    /// A failed open also leaves nothing behind: OpenSSL decrypts before it checks the tag, and the
    /// wrapper wipes what it wrote.
    @Test(arguments: [1, 17, 65537], Tampering.allCases)
    func bothRefuseTamperingAndTheNewPathLeavesNoPlaintext(count: Int, tampering: Tampering) throws {
        let reference = try SodiumAESGCM(key: Fixture.dataKeyBytes)
        let plaintext = Fixture.plaintext(count: count)
        var (ciphertext, tag) = reference.seal(plaintext, ad: Self.associatedData, nonce: Self.nonce(count))
        var ad = Self.associatedData
        var nonce = Self.nonce(count)
        switch tampering {
        case .tagFirstByte: tag[0] ^= 0x01
        case .tagLastByte: tag[15] ^= 0x80
        case .ciphertextFirstByte: ciphertext[0] ^= 0x01
        case .ciphertextLastByte: ciphertext[count - 1] ^= 0x80
        case .associatedData: ad[39] ^= 0x01
        case .nonce: nonce[11] ^= 0x01
        }
        #expect(reference.open(ciphertext, tag: tag, ad: ad, nonce: nonce) == nil)
        var output = [UInt8](repeating: 0xee, count: count)
        #expect(try ChunkCipherCall.open(ciphertext, tag: tag, ad: ad, nonce: nonce, into: &output) == false)
        #expect(output == [UInt8](repeating: 0, count: count))
    }

    // MARK: whole chunks through ChunkSealer

    @Test(arguments: chunkCases.indices)
    func sealedChunksAreByteForByteWhatLibsodiumSeals(case index: Int) throws {
        let (format, count) = Self.chunkCases[index]
        let plaintext = Fixture.plaintext(count: count)
        let sealer = try Fixture.sealer(.aes256gcm, format: format)
        let expected = try SodiumAESGCM(key: Fixture.dataKeyBytes).sealChunk(plaintext, index: 9, isLast: true, format: format)
        #expect(try sealer.seal(plaintext, index: 9, isLast: true) == expected)
    }

    @Test(arguments: chunkCases.indices)
    func chunksCrossOpenBothWays(case index: Int) throws {
        let (format, count) = Self.chunkCases[index]
        let plaintext = Fixture.plaintext(count: count)
        let sealer = try Fixture.sealer(.aes256gcm, format: format)
        let reference = try SodiumAESGCM(key: Fixture.dataKeyBytes)
        let bySodium = try reference.sealChunk(plaintext, index: 4, isLast: false, format: format)
        #expect(try sealer.open(bySodium, index: 4, isLast: false) == plaintext)
        let byOpenSSL = try sealer.seal(plaintext, index: 4, isLast: false)
        #expect(try reference.openChunk(byOpenSSL, index: 4, isLast: false, format: format) == plaintext)
    }

    /// A flipped byte in any segment's ciphertext or tag: libsodium refuses that segment, and the
    /// sealer reports the same error as it always has (segment number in format 2, chunk in format 1).
    @Test(arguments: [(ChunkFormat.segmented(shift: 12), 3 * 4096 + 17), (ChunkFormat.current, 65537), (ChunkFormat.whole, 65537)])
    func tamperedSegmentsAreRefusedByBothWithTheSameErrors(format: ChunkFormat, count: Int) throws {
        let sealer = try Fixture.sealer(.aes256gcm, format: format)
        let reference = try SodiumAESGCM(key: Fixture.dataKeyBytes)
        let chunk = try sealer.seal(Fixture.plaintext(count: count), index: 2, isLast: false)
        for segment in 0..<format.segmentCount(plaintextCount: count) {
            let range = format.segmentRange(segment, plaintextCount: count)
            let tagStart = ChunkSealer.headerSize + count + segment * ChunkSealer.tagSize
            for offset in [ChunkSealer.headerSize + range.lowerBound, ChunkSealer.headerSize + range.upperBound - 1, tagStart, tagStart + 15] {
                var tampered = chunk
                tampered[offset] ^= 0x10
                #expect(try reference.openChunk(tampered, index: 2, isLast: false, format: format) == nil)
                let expected: CryptoError = format == .whole
                    ? .chunkAuthenticationFailed(index: 2) : .segmentAuthenticationFailed(index: 2, segment: segment)
                #expect(cryptoError { () throws(CryptoError) in try sealer.open(tampered, index: 2, isLast: false) } == expected)
            }
        }
    }

    /// Associated data that differs from what was sealed (here: a range read that rebuilds the header
    /// with the wrong last flag) is refused by both.
    @Test func aRangeReadWithTheWrongHeaderIsRefusedByBoth() throws {
        let format = ChunkFormat.segmented(shift: 12)
        let count = 3 * 4096 + 17
        let sealer = try Fixture.sealer(.aes256gcm, format: format)
        let chunk = try sealer.seal(Fixture.plaintext(count: count), index: 5, isLast: true)
        let span = format.span(of: 4096..<8192, plaintextCount: count)
        let ciphertext = Array(chunk[(ChunkSealer.headerSize + span.plaintext.lowerBound)..<(ChunkSealer.headerSize + span.plaintext.upperBound)])
        let tags = Array(chunk[(ChunkSealer.headerSize + count + span.segments.lowerBound * 16)..<(ChunkSealer.headerSize + count + span.segments.upperBound * 16)])
        var output = [UInt8](repeating: 0xee, count: ciphertext.count)
        let error = ciphertext.withUnsafeBytes { c in
            tags.withUnsafeBytes { t in
                output.withUnsafeMutableBytes { out in
                    cryptoError { () throws(CryptoError) in
                        try sealer.open(span: span, ciphertext: c, tags: t, index: 5, isLast: false, plaintextCount: count, into: out)
                    }
                }
            }
        }
        #expect(error == .segmentAuthenticationFailed(index: 5, segment: 1))
        #expect(output == [UInt8](repeating: 0, count: ciphertext.count))
        var wrongHeader = Array(chunk[0..<ChunkSealer.headerSize])
        wrongHeader[36] = 0
        let nonce = ChunkNonce.with(index: 5, flags: 1, segment: 1, algorithm: .aes256gcm) { Array($0) }
        #expect(try SodiumAESGCM(key: Fixture.dataKeyBytes).open(ciphertext, tag: Array(tags[0..<16]), ad: wrongHeader, nonce: nonce) == nil)
    }

    /// One sealer used from many threads at once (ingest and the service do): every chunk still seals
    /// to libsodium's bytes and opens, so no two calls ever share an OpenSSL context.
    @Test func concurrentCallsOnOneSealerAgreeWithLibsodium() throws {
        let sealer = try Fixture.sealer(.aes256gcm, format: .segmented(shift: 12))
        let reference = try SodiumAESGCM(key: Fixture.dataKeyBytes)
        let plaintext = Fixture.plaintext(count: 5 * 4096 + 3)
        let expected = try (0..<64).map { try reference.sealChunk(plaintext, index: UInt64($0), isLast: false, format: sealer.format) }
        let mismatches = Counter()
        DispatchQueue.concurrentPerform(iterations: 64 * 8) { iteration in
            let index = UInt64(iteration % 64)
            do {
                let sealed = try sealer.seal(plaintext, index: index, isLast: false)
                let opened = try sealer.open(expected[Int(index)], index: index, isLast: false)
                if sealed != expected[Int(index)] || opened != plaintext { mismatches.add() }
            } catch {
                mismatches.add()
            }
        }
        #expect(mismatches.value == 0)
    }
}

/// A thread-safe count for the concurrency test.
final class Counter: Sendable {
    private let count = Mutex<Int>(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// One call of the vault's chunk cipher (``AEADCipher``, AES-256-GCM) with the fixture's data key.
enum ChunkCipherCall {
    static func cipher() throws -> AEADCipher {
        try AEADCipher(algorithm: .aes256gcm, key: SecureBytes(copying: Fixture.dataKeyBytes))
    }

    static func seal(_ plaintext: [UInt8], ad: [UInt8], nonce: [UInt8]) throws -> (ciphertext: [UInt8], tag: [UInt8]) {
        let cipher = try cipher()
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        var tag = [UInt8](repeating: 0, count: 16)
        try plaintext.withUnsafeBytes { p in
            try ciphertext.withUnsafeMutableBytes { c in
                try tag.withUnsafeMutableBytes { t in
                    try ad.withUnsafeBytes { a in
                        try nonce.withUnsafeBytes { n in try cipher.seal(p, into: c, tag: t, associatedData: a, nonce: n) }
                    }
                }
            }
        }
        return (ciphertext, tag)
    }

    static func open(_ ciphertext: [UInt8], tag: [UInt8], ad: [UInt8], nonce: [UInt8]) throws -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: ciphertext.count)
        return try open(ciphertext, tag: tag, ad: ad, nonce: nonce, into: &output) ? output : nil
    }

    static func open(_ ciphertext: [UInt8], tag: [UInt8], ad: [UInt8], nonce: [UInt8], into output: inout [UInt8]) throws -> Bool {
        let cipher = try cipher()
        return try ciphertext.withUnsafeBytes { c in
            try tag.withUnsafeBytes { t in
                try ad.withUnsafeBytes { a in
                    try nonce.withUnsafeBytes { n in
                        try output.withUnsafeMutableBytes { p in try cipher.open(c, tag: t, associatedData: a, nonce: n, into: p) }
                    }
                }
            }
        }
    }
}

/// libsodium's AES-256-GCM exactly as the vault called it before OpenSSL (state precomputed with
/// `crypto_aead_aes256gcm_beforenm`, 16-byte aligned; `_afternm` per call): the reference.
final class SodiumAESGCM {
    private let state: UnsafeMutablePointer<crypto_aead_aes256gcm_state>

    init(key: [UInt8]) throws {
        try Sodium.initialize()
        state = UnsafeMutableRawPointer.allocate(byteCount: crypto_aead_aes256gcm_statebytes(), alignment: 16)
            .bindMemory(to: crypto_aead_aes256gcm_state.self, capacity: 1)
        precondition(crypto_aead_aes256gcm_beforenm(state, key) == 0)
    }

    deinit {
        sodium_memzero(state, crypto_aead_aes256gcm_statebytes())
        UnsafeMutableRawPointer(state).deallocate()
    }

    func seal(_ plaintext: [UInt8], ad: [UInt8], nonce: [UInt8]) -> (ciphertext: [UInt8], tag: [UInt8]) {
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        var tag = [UInt8](repeating: 0, count: 16)
        let code = crypto_aead_aes256gcm_encrypt_detached_afternm(
            &ciphertext, &tag, nil, plaintext, UInt64(plaintext.count), ad, UInt64(ad.count), nil, nonce, state)
        precondition(code == 0)
        return (ciphertext, tag)
    }

    func open(_ ciphertext: [UInt8], tag: [UInt8], ad: [UInt8], nonce: [UInt8]) -> [UInt8]? {
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count)
        let code = crypto_aead_aes256gcm_decrypt_detached_afternm(
            &plaintext, nil, ciphertext, UInt64(ciphertext.count), tag, ad, UInt64(ad.count), nonce, state)
        return code == 0 ? plaintext : nil
    }

    /// A whole sealed chunk as docs/FORMAT.md §2 lays it out, every segment sealed by libsodium.
    func sealChunk(_ plaintext: [UInt8], index: UInt64, isLast: Bool, format: ChunkFormat) throws -> [UInt8] {
        let header = try Self.header(format: format, index: index, count: plaintext.count, isLast: isLast)
        var chunk = header
        var tags: [UInt8] = []
        for segment in 0..<format.segmentCount(plaintextCount: plaintext.count) {
            let range = format.segmentRange(segment, plaintextCount: plaintext.count)
            let nonce = ChunkNonce.with(index: index, flags: isLast ? 1 : 0, segment: segment, algorithm: .aes256gcm) { Array($0) }
            let sealed = seal(Array(plaintext[range]), ad: header, nonce: nonce)
            chunk += sealed.ciphertext
            tags += sealed.tag
        }
        return chunk + tags
    }

    /// Opens every segment of a sealed chunk with libsodium, with the header the reader expects as
    /// associated data; nil if any segment fails.
    func openChunk(_ chunk: [UInt8], index: UInt64, isLast: Bool, format: ChunkFormat) throws -> [UInt8]? {
        guard let count = format.plaintextCount(sealedCount: chunk.count) else { return nil }
        let header = try Self.header(format: format, index: index, count: count, isLast: isLast)
        var plaintext: [UInt8] = []
        for segment in 0..<format.segmentCount(plaintextCount: count) {
            let range = format.segmentRange(segment, plaintextCount: count)
            let nonce = ChunkNonce.with(index: index, flags: isLast ? 1 : 0, segment: segment, algorithm: .aes256gcm) { Array($0) }
            let tagStart = ChunkSealer.headerSize + count + segment * ChunkSealer.tagSize
            let ciphertext = Array(chunk[(ChunkSealer.headerSize + range.lowerBound)..<(ChunkSealer.headerSize + range.upperBound)])
            guard let opened = open(ciphertext, tag: Array(chunk[tagStart..<(tagStart + 16)]), ad: header, nonce: nonce) else { return nil }
            plaintext += opened
        }
        return plaintext
    }

    private static func header(format: ChunkFormat, index: UInt64, count: Int, isLast: Bool) throws -> [UInt8] {
        let header = ChunkHeader(format: format, algorithm: .aes256gcm, recordingID: try RecordingID(Fixture.recordingID), index: index,
                                 plaintextLength: UInt32(count), isLast: isLast)
        var bytes = [UInt8](repeating: 0, count: ChunkSealer.headerSize)
        bytes.withUnsafeMutableBytes { header.write(into: $0) }
        return bytes
    }
}
