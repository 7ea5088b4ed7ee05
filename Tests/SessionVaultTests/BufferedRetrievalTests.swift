import Foundation
import Synchronization
import Testing
@testable import SessionVault
import VaultCrypto

/// ``Vault/stream(_:range:into:)``: retrieval that decrypts into buffers the caller lends (the
/// service's pooled NIO buffers) gives the same bytes as the copying stream, never hands over a
/// buffer whose segments did not authenticate, and waits for memory only while it holds none.
@Suite("Retrieval into lent buffers", .timeLimit(.minutes(10)))
struct BufferedRetrievalTests {
    static let chunk = 1 << 20
    static let segment = 64 << 10

    /// A lent buffer over plain bytes.
    struct ArrayBuffer: PlaintextBuffer {
        var bytes: [UInt8] = []
        var kept: Range<Int> = 0..<0

        mutating func decrypt(count: Int, keeping kept: Range<Int>, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
            // Garbage first: whatever the buffer held before must not leak through.
            bytes = [UInt8](repeating: 0xA5, count: count)
            try bytes.withUnsafeMutableBytes { try fill($0) }
            self.kept = kept
        }
    }

    /// Collects what it is sent and records how many buffers were out at once, and every time it
    /// was asked to wait while it had a buffer out.
    struct RecordingSink: PlaintextBufferSink {
        var received: [UInt8] = []
        var out = 0
        var mostOut = 0
        var waitedWhileHolding = 0
        var requests: [(count: Int, wait: Bool)] = []
        /// Read-ahead buffers refused (as a spent pool would).
        var refuseReadAhead = false

        mutating func buffer(count: Int, wait: Bool) async throws -> ArrayBuffer? {
            requests.append((count, wait))
            if wait && out > 0 { waitedWhileHolding += 1 }
            if !wait && refuseReadAhead { return nil }
            out += 1
            mostOut = max(mostOut, out)
            return ArrayBuffer()
        }

        mutating func write(_ buffer: consuming ArrayBuffer) async throws {
            received += buffer.bytes[buffer.kept]
            out -= 1
        }
    }

    func ingest(_ t: TestVault, _ input: [UInt8]) async throws -> RecordingID {
        try await t.ingest(input, chunkSize: Self.chunk).id
    }

    func opened(_ t: TestVault, _ id: RecordingID) async throws -> OpenedRecording {
        try await t.vault.open(id, as: try await t.vault.unlockRole("clinician", passphrase: t.passphrase), actor: "test")
    }

    @Test func rangesAcrossSegmentAndChunkBoundariesAreByteIdenticalToThePlaintext() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(3 * Self.chunk + 5 * Self.segment + 321)
        let id = try await ingest(t, input)
        let recording = try await opened(t, id)
        let c = Self.chunk, s = Self.segment, n = input.count
        let ranges: [Range<Int>] = [
            0..<n,                                    // everything: whole chunks
            (s - 5)..<(s + 5),                        // across one segment boundary
            (s - 1)..<(3 * s + 1),                    // touches four segments, one byte of the first and last
            (c - s - 3)..<(c + s + 3),                // across a chunk boundary, segments on both sides
            (c - 1)..<(2 * c + 1),                    // one byte, a whole chunk, one byte
            12_345..<(12_345 + (1 << 20)),            // a 1 MiB range at an odd offset
            (n - 400)..<n,                            // the short last segment of the last chunk
            c..<(2 * c),                              // exactly one chunk
            7..<8,                                    // one byte
        ]
        for range in ranges {
            var sink = RecordingSink()
            let written = try await t.vault.stream(recording, range: Int64(range.lowerBound)..<Int64(range.upperBound), into: &sink)
            #expect(written == Int64(range.count), "\(range)")
            #expect(sink.received == Array(input[range]), "\(range)")
            #expect(sink.waitedWhileHolding == 0, "\(range)")
            var copied = MemorySink()
            try await t.vault.stream(recording, range: Int64(range.lowerBound)..<Int64(range.upperBound), to: &copied)
            #expect(copied.bytes == sink.received, "\(range): the copying stream agrees")
        }
    }

    @Test func onlyTheSegmentsARangeTouchesAreDecryptedIntoTheBuffers() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(2 * Self.chunk)
        let id = try await ingest(t, input)
        var sink = RecordingSink()
        // Two segments of chunk 0 (the second partly), then one segment of chunk 1.
        try await t.vault.stream(try await opened(t, id), range: Int64(Self.segment)..<Int64(Self.chunk + 10), into: &sink)
        #expect(sink.requests.map(\.count) == [Self.chunk - Self.segment, Self.segment])
        #expect(sink.received == Array(input[Self.segment..<(Self.chunk + 10)]))
    }

    @Test func withoutReadAheadTheStreamStillCompletesWaitingOnlyWhenItHoldsNothing() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(4 * Self.chunk + 99)
        let id = try await ingest(t, input)
        var sink = RecordingSink(refuseReadAhead: true)
        try await t.vault.stream(try await opened(t, id), into: &sink)
        #expect(sink.received == input)
        #expect(sink.mostOut == 1)
        #expect(sink.waitedWhileHolding == 0)
        #expect(sink.requests.filter(\.wait).count == 5, "one waiting request per chunk, each with nothing else out")
    }

    @Test func aTamperedSegmentIsNeverHandedToTheSink() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(2 * Self.chunk)
        let id = try await ingest(t, input)
        // Flip one ciphertext byte in the third segment of chunk 1.
        let file = t.chunkFile(id, 1)
        var sealed = try [UInt8](Data(contentsOf: file))
        sealed[ChunkSealer.headerSize + 2 * Self.segment + 17] ^= 0x01
        try Data(sealed).write(to: file)
        let recording = try await opened(t, id)
        var sink = RecordingSink()
        await expectVaultError(.chunkTampered) {
            try await t.vault.stream(recording, range: 0..<Int64(2 * Self.chunk), into: &sink)
        }
        #expect(sink.received == Array(input[0..<Self.chunk]), "chunk 0 verified and was sent; nothing of chunk 1")
        // A range inside chunk 1 that avoids the bad segment still reads.
        var clean = RecordingSink()
        try await t.vault.stream(recording, range: Int64(Self.chunk)..<Int64(Self.chunk + 2 * Self.segment), into: &clean)
        #expect(clean.received == Array(input[Self.chunk..<(Self.chunk + 2 * Self.segment)]))
        var bad = RecordingSink()
        await expectVaultError(.chunkTampered) {
            try await t.vault.stream(recording, range: Int64(Self.chunk + 2 * Self.segment)..<Int64(Self.chunk + 2 * Self.segment + 1), into: &bad)
        }
        #expect(bad.received.isEmpty)
    }

    /// Storage that can tell whether the buffer writing into it is its only holder.
    final class Storage: @unchecked Sendable {
        var bytes: [UInt8] = []
    }

    /// A lent buffer that records, at each decrypt, whether its storage was shared: a shared one
    /// would be copied whole by an array's or a ByteBuffer's first write (copy-on-write).
    struct OwnershipBuffer: PlaintextBuffer {
        var storage = Storage()
        var kept: Range<Int> = 0..<0
        let counter: Counter

        mutating func decrypt(count: Int, keeping kept: Range<Int>, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
            if !isKnownUniquelyReferenced(&storage) { counter.shared.add(1, ordering: .relaxed) }
            storage.bytes = [UInt8](repeating: 0, count: count)
            try storage.bytes.withUnsafeMutableBytes { try fill($0) }
            self.kept = kept
        }
    }

    final class Counter: Sendable {
        let shared = Atomic<Int>(0)
    }

    struct OwnershipSink: PlaintextBufferSink {
        let counter: Counter
        var received: [UInt8] = []

        mutating func buffer(count: Int, wait: Bool) async throws -> OwnershipBuffer? {
            OwnershipBuffer(counter: counter)
        }

        mutating func write(_ buffer: consuming OwnershipBuffer) async throws {
            received += buffer.storage.bytes[buffer.kept]
        }
    }

    @Test func eachBufferIsDecryptedIntoByItsOnlyOwnerSoItIsNeverCopied() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let input = pseudoRandomBytes(4 * Self.chunk + 99)
        let id = try await ingest(t, input)
        let recording = try await opened(t, id)
        let counter = Counter()
        var sink = OwnershipSink(counter: counter)
        try await t.vault.stream(recording, into: &sink)
        #expect(sink.received == input)
        #expect(counter.shared.load(ordering: .relaxed) == 0, "a buffer was shared when decrypted into (a whole-chunk copy)")
    }
}
