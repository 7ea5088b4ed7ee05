import FuzzSupport
import VaultCrypto

/// The sealed-chunk reader on hostile bytes: header parsing and opening under a fixed key must
/// fail with a CryptoError (never crash, never return unauthenticated bytes).
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzDriver.bytes(data, size)
    _ = bytes.withUnsafeBytes { try? ChunkHeader(parsing: $0) }
    guard let key = try? DataKey(bytes: SecureBytes(copying: (0..<32).map { UInt8($0) })) else { return 0 }
    for algorithm in ChunkAlgorithm.allCases where algorithm.isAvailable {
        guard let sealer = try? ChunkSealer(key: key, algorithm: algorithm, recordingID: (0xa0...0xaf).map { UInt8($0) }) else { continue }
        var output = [UInt8](repeating: 0, count: max(bytes.count, 1))
        let opened = bytes.withUnsafeBytes { sealed in
            output.withUnsafeMutableBytes { out in try? sealer.open(sealed, index: 0, isLast: true, into: out) }
        }
        if opened != nil { fatalError("a fuzzed chunk authenticated under the fixed key") }
    }
    return 0
}

@_cdecl("FuzzChunk_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, testOneInput)
}
