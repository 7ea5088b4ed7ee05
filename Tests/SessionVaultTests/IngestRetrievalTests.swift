import ByteRanges
import Foundation
import Testing
import SessionVault
import VaultCrypto
import VaultIndex

@Suite("Ingest and retrieval")
struct IngestRetrievalTests {
    static let c = TestVault.chunkSize

    @Test(arguments: [0, 1, c - 1, c, c + 1, 3 * c + 17])
    func roundTripsByteExactAtEverySizeBoundary(_ size: Int) async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(size, seed: UInt64(size))
        let summary = try await t.ingest(input)
        #expect(summary.byteCount == Int64(size))
        #expect(summary.chunkCount == max(1, (size + Self.c - 1) / Self.c))
        #expect(try await t.read(summary.id) == input)
    }

    @Test func rangesReturnExactlyTheRequestedBytes() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(3 * Self.c + 100)
        let id = try await t.ingest(input).id
        let size = Int64(input.count)
        let cases: [Range<Int64>] = [0..<1, (size - 1)..<size, Int64(Self.c - 5)..<Int64(Self.c + 5), Int64(Self.c)..<Int64(2 * Self.c),
                                     10..<(size - 10), 0..<size]
        for range in cases {
            #expect(try await t.read(id, range: range) == Array(input[Int(range.lowerBound)..<Int(range.upperBound)]), "range \(range)")
        }
        let suffix = try #require(ByteRangeSpec.suffix(100).resolve(size: size))
        #expect(try await t.read(id, range: suffix) == Array(input.suffix(100)))
        #expect(ByteRangeSpec.from(size).resolve(size: size) == nil)
        #expect(ByteRangeSpec.closed(5, size + 1000).resolve(size: size) == 5..<size)
    }

    @Test func rangeSpecsParseAndRejectNonsense() throws {
        #expect(try ByteRangeSpec(parsing: "0-99") == .closed(0, 99))
        #expect(try ByteRangeSpec(parsing: "100-") == .from(100))
        #expect(try ByteRangeSpec(parsing: "-5") == .suffix(5))
        for bad in ["", "-", "5-1", "a-b", "1-2-3", "--5", "-0"] {
            #expect(throws: ByteRangeError(text: bad)) { try ByteRangeSpec(parsing: bad) }
        }
    }

    @Test func theMediaTypeIsSniffedFromTheFirstBytes() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let webm: [UInt8] = [0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84] + Array("webm".utf8) + [0, 0, 0]
        #expect(try await t.ingest(webm).mediaType == "video/webm")
        #expect(try await t.ingest(Array("OggS".utf8) + [0, 2]).mediaType == "audio/ogg")
        #expect(try await t.ingest([1, 2, 3]).mediaType == "application/octet-stream")
    }

    @Test func wrapsFollowTheConsentedScopesPlusTheRecordsOfficer() async throws {
        let t = try await TestVault.make(roles: ["clinician", "records-officer", "supervisor", "trainer"], scopes: ["care", "supervision"])
        defer { t.remove() }
        let summary = try await t.ingest([1, 2, 3])
        #expect(summary.wrappedFor == ["clinician", "records-officer", "supervisor"])
        #expect(try await t.vault.catalog.wrapRoles(of: summary.id) == ["clinician", "records-officer", "supervisor"])
        #expect(try await t.read(summary.id, as: "supervisor") == [1, 2, 3])
        #expect(try await t.read(summary.id, as: "records-officer") == [1, 2, 3])
    }

    @Test func aRecordingIsListedWithItsDueDate() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let summary = try await t.ingest([1])
        let rows = try await t.vault.catalog.recordings(RecordingFilter())
        #expect(rows.map(\.id) == [summary.id])
        #expect(rows.first?.retentionClass == "care")
    }

    /// Two GiB through the whole pipeline, checked by digest; neither side is ever held in memory.
    @Test func aMultiGibibyteRecordingRoundTripsByDigest() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let total: Int64 = 2 << 30
        var reader = PatternChunkReader(total: total)
        let summary = try await t.vault.ingest(IngestRequest(session: "S1", clinician: "dr-a", retentionClass: "care", chunkSize: 8 << 20, actor: "test"), from: &reader)
        #expect(summary.byteCount == total)
        #expect(summary.chunkCount == 256)
        let unlocked = try await t.vault.unlockRole("clinician", passphrase: t.passphrase)
        let opened = try await t.vault.open(summary.id, as: unlocked, actor: "test")
        var sink = DigestSink()
        try await t.vault.stream(opened, to: &sink)
        #expect(sink.count == total)
        #expect(sink.digest.finalize() == reader.digest.finalize())
    }
}
