import FuzzSupport
import VaultCrypto

/// The sealed-chunk reader on hostile bytes: header parsing, whole-chunk opening in every format,
/// and format-2 range opening under a fixed key must fail with a CryptoError (never crash, never
/// return unauthenticated bytes).
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzDriver.bytes(data, size)
    _ = bytes.withUnsafeBytes { try? ChunkHeader(parsing: $0) }
    guard let key = try? DataKey(bytes: SecureBytes(copying: (0..<32).map { UInt8($0) })) else { return 0 }
    let recordingID = (0xa0...0xaf).map { UInt8($0) }
    for algorithm in ChunkAlgorithm.allCases where algorithm.isAvailable {
        for format in [ChunkFormat.whole, .segmented(shift: 12), .current] {
            guard let sealer = try? ChunkSealer(key: key, algorithm: algorithm, recordingID: recordingID, format: format) else { continue }
            var output = [UInt8](repeating: 0, count: max(bytes.count, 1))
            let opened = bytes.withUnsafeBytes { sealed in
                output.withUnsafeMutableBytes { out in try? sealer.open(sealed, index: 0, isLast: true, into: out) }
            }
            if opened != nil { fatalError("a fuzzed chunk authenticated under the fixed key (\(format))") }
        }
        // A range read: the first four bytes choose the chunk length and the range, the rest are
        // the segments' ciphertext and tags as a ranged blob read would return them.
        guard bytes.count >= 4, let sealer = try? ChunkSealer(key: key, algorithm: algorithm, recordingID: recordingID,
                                                             format: .segmented(shift: 12)) else { continue }
        let count = Int(bytes[0]) << 8 | Int(bytes[1])
        let start = min(count, Int(bytes[2]) * 64)
        let end = min(count, start + Int(bytes[3]) * 64 + 1)
        guard start < end else { continue }
        let span = sealer.format.span(of: start..<end, plaintextCount: count)
        var read = Array(bytes[4...].prefix(span.ciphertext.count + span.tags.count))
        read += [UInt8](repeating: 0, count: span.ciphertext.count + span.tags.count - read.count)
        let cipherCount = span.ciphertext.count
        let opened = read.withUnsafeMutableBytes { raw in
            try? sealer.open(span: span, ciphertext: UnsafeRawBufferPointer(rebasing: raw[0..<cipherCount]),
                             tags: UnsafeRawBufferPointer(rebasing: raw[cipherCount...]), index: 0, isLast: true,
                             plaintextCount: count, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<cipherCount]))
        }
        if opened != nil { fatalError("a fuzzed range authenticated under the fixed key") }
    }
    return 0
}

@_cdecl("FuzzChunk_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, testOneInput)
}
