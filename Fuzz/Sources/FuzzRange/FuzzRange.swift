import FuzzSupport
import ByteRanges

/// The byte-range parsers on hostile text: a range spec (CLI --range, one HTTP range) must resolve
/// inside any size, and a whole `Range` header must be decided within the limits it promises (ranges
/// inside the size, 2 to 16 parts adding up to no more than the size), never crash.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: FuzzDriver.bytes(data, size), as: UTF8.self)
    for total: Int64 in [0, 1, 4096, 1 << 40] {
        func check(_ range: Range<Int64>) {
            if range.lowerBound < 0 || range.upperBound > total || range.isEmpty { fatalError("range \(range) outside \(total)") }
        }
        switch RangeRequest.decide(range: text, ifRange: nil, etag: "\"e\"", size: total) {
        case .partial(let range):
            check(range)
        case .multipart(let ranges):
            ranges.forEach(check)
            if ranges.count < 2 || ranges.count > RangeRequest.maxRanges || ranges.reduce(0, { $0 + Int64($1.count) }) > total {
                fatalError("multipart answer outside its limits: \(ranges)")
            }
        case .full, .unsatisfiable:
            break
        }
        if let spec = try? ByteRangeSpec(parsing: text), let range = spec.resolve(size: total) { check(range) }
    }
    return 0
}

@_cdecl("FuzzRange_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, testOneInput)
}
