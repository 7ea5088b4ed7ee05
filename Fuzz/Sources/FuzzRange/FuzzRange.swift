import FuzzSupport
import ByteRanges

/// The byte-range parser (CLI --range and HTTP Range) on hostile text: a parsed range must
/// resolve inside any size, never crash.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: FuzzDriver.bytes(data, size), as: UTF8.self)
    guard let spec = try? ByteRangeSpec(parsing: text) else { return 0 }
    for total: Int64 in [0, 1, 4096, 1 << 40] {
        if let range = spec.resolve(size: total) {
            if range.lowerBound < 0 || range.upperBound > total || range.isEmpty { fatalError("range \(range) outside \(total)") }
        }
    }
    return 0
}

@_cdecl("FuzzRange_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, testOneInput)
}
