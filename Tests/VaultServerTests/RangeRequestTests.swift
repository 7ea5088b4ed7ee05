import ByteRanges
import Testing
@testable import VaultServer

@Suite("Range request decisions")
struct RangeRequestTests {
    let etag = "\"abc-123\""

    @Test func noRangeOrAForeignUnitMeansTheWholeBody() {
        #expect(RangeRequest.decide(range: nil, ifRange: nil, etag: etag, size: 100) == .full)
        #expect(RangeRequest.decide(range: "items=0-1", ifRange: nil, etag: etag, size: 100) == .full)
    }

    @Test func severalRangesAreAMultipartAnswerWithinLimits() {
        #expect(RangeRequest.decide(range: "bytes=0-1,4-5", ifRange: nil, etag: etag, size: 100) == .multipart([0..<2, 4..<6]))
        // In the order asked, suffixes resolved, an empty list element skipped.
        #expect(RangeRequest.decide(range: "bytes=90-, ,-5, 0-0", ifRange: nil, etag: etag, size: 100) == .multipart([90..<100, 95..<100, 0..<1]))
        // Ranges that select nothing are dropped; one left is a plain 206; none left is 416.
        #expect(RangeRequest.decide(range: "bytes=500-600,10-19", ifRange: nil, etag: etag, size: 100) == .partial(10..<20))
        #expect(RangeRequest.decide(range: "bytes=500-600,200-", ifRange: nil, etag: etag, size: 100) == .unsatisfiable)
        #expect(RangeRequest.decide(range: "bytes=0-1,x", ifRange: nil, etag: etag, size: 100) == .unsatisfiable)
        #expect(RangeRequest.decide(range: "bytes=,", ifRange: nil, etag: etag, size: 100) == .unsatisfiable)
        // Too many ranges, or overlaps adding up to more than the recording: the header is ignored.
        let many = (0..<17).map { "\($0 * 2)-\($0 * 2)" }.joined(separator: ",")
        #expect(RangeRequest.decide(range: "bytes=" + many, ifRange: nil, etag: etag, size: 100) == .full)
        let sixteen = (0..<16).map { "\($0 * 2)-\($0 * 2)" }.joined(separator: ",")
        let sixteenRanges: [Range<Int64>] = (0..<16).map { (n: Int) -> Range<Int64> in Int64(n * 2)..<Int64(n * 2 + 1) }
        #expect(RangeRequest.decide(range: "bytes=" + sixteen, ifRange: nil, etag: etag, size: 100) == .multipart(sixteenRanges))
        #expect(RangeRequest.decide(range: "bytes=0-59,40-99", ifRange: nil, etag: etag, size: 100) == .full)
        #expect(RangeRequest.decide(range: "bytes=0-49,40-89", ifRange: nil, etag: etag, size: 100) == .multipart([0..<50, 40..<90]))
    }

    @Test func satisfiableRangesResolveAgainstTheSize() {
        #expect(RangeRequest.decide(range: "bytes=0-0", ifRange: nil, etag: etag, size: 100) == .partial(0..<1))
        #expect(RangeRequest.decide(range: "BYTES=99-", ifRange: nil, etag: etag, size: 100) == .partial(99..<100))
        #expect(RangeRequest.decide(range: "bytes=-1", ifRange: nil, etag: etag, size: 100) == .partial(99..<100))
        #expect(RangeRequest.decide(range: "bytes=50-5000", ifRange: nil, etag: etag, size: 100) == .partial(50..<100))
    }

    @Test func emptyRecordingsAndRangesPastTheEndAreUnsatisfiable() {
        #expect(RangeRequest.decide(range: "bytes=0-0", ifRange: nil, etag: etag, size: 0) == .unsatisfiable)
        #expect(RangeRequest.decide(range: "bytes=-5", ifRange: nil, etag: etag, size: 0) == .unsatisfiable)
        #expect(RangeRequest.decide(range: "bytes=100-", ifRange: nil, etag: etag, size: 100) == .unsatisfiable)
        #expect(RangeRequest.decide(range: "bytes=x-y", ifRange: nil, etag: etag, size: 100) == .unsatisfiable)
    }

    @Test func ifRangeMustMatchTheStrongETag() {
        #expect(RangeRequest.decide(range: "bytes=0-0", ifRange: etag, etag: etag, size: 100) == .partial(0..<1))
        #expect(RangeRequest.decide(range: "bytes=0-0", ifRange: "W/" + etag, etag: etag, size: 100) == .full)
        #expect(RangeRequest.decide(range: "bytes=999-", ifRange: "\"other\"", etag: etag, size: 100) == .full)
    }

    @Test func listenAddressesParseWithIPv6Brackets() throws {
        #expect(try ServerConfiguration.parseListen("127.0.0.1:8080") == ("127.0.0.1", 8080))
        #expect(try ServerConfiguration.parseListen("[::1]:0") == ("::1", 0))
        #expect(throws: ServerError.invalidListenAddress("localhost")) { try ServerConfiguration.parseListen("localhost") }
        #expect(throws: ServerError.invalidListenAddress("127.0.0.1:99999")) { try ServerConfiguration.parseListen("127.0.0.1:99999") }
    }
}
