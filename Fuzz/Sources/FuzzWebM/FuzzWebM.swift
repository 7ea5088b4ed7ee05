import FuzzSupport
import Media

/// The WebM/Matroska parsers on hostile bytes: the probe (fed in uneven pieces, as ingest does)
/// and the audio copy path, which demuxes everything. Any crash, hang or unbounded allocation is a bug;
/// a thrown MediaError is the expected outcome for garbage.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzDriver.bytes(data, size)
    var probe = MediaProbe()
    var offset = 0
    var piece = 1
    while offset < bytes.count {
        let end = min(bytes.count, offset + piece)
        bytes[offset..<end].withUnsafeBytes { probe.consume($0) }
        offset = end
        piece = piece * 3 + 1
    }
    _ = probe.facts()
    let semaphore = DispatchSemaphoreBox()
    Task {
        var source = MemoryByteSource(bytes, chunkSize: 4096)
        var sink = MemoryByteSink()
        _ = try? await ReviewTranscoder(profile: .audio).run(source: &source, sink: &sink)
        semaphore.signal()
    }
    semaphore.wait()
    return 0
}

@_cdecl("FuzzWebM_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, testOneInput)
}
