import Testing
@testable import VaultServer

@Suite("Range request decisions")
struct RangeRequestTests {
    let etag = "\"abc-123\""

    @Test func noRangeOrAForeignUnitMeansTheWholeBody() {
        #expect(RangeRequest.decide(range: nil, ifRange: nil, etag: etag, size: 100) == .full)
        #expect(RangeRequest.decide(range: "items=0-1", ifRange: nil, etag: etag, size: 100) == .full)
        #expect(RangeRequest.decide(range: "bytes=0-1,4-5", ifRange: nil, etag: etag, size: 100) == .full)
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
        #expect(throws: ServerError.self) { try ServerConfiguration.parseListen("localhost") }
        #expect(throws: ServerError.self) { try ServerConfiguration.parseListen("127.0.0.1:99999") }
    }
}
