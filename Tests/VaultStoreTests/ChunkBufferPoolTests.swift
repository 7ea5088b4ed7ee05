import Testing
import VaultStore

@Suite("ChunkBufferPool")
struct ChunkBufferPoolTests {
    @Test func aRecycledBufferIsReusedResizedToTheCountAsked() {
        let pool = ChunkBufferPool(limit: 2)
        var first = pool.take(count: 1000)
        #expect(first.count == 1000 && first.allSatisfy { $0 == 0 })
        first[0] = 42
        let address = first.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        pool.recycle(consume first)
        #expect(pool.freeCount == 1)
        let smaller = pool.take(count: 10)
        #expect(smaller.count == 10)
        #expect(smaller.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == address)
        #expect(pool.freeCount == 0)
        pool.recycle(consume smaller)
        let again = pool.take(count: 1000)
        #expect(again.count == 1000)
        #expect(again.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == address)
    }

    @Test func aBufferTooSmallIsNotTakenAndTheLimitIsKept() {
        let pool = ChunkBufferPool(limit: 2)
        pool.recycle([UInt8](repeating: 1, count: 10))
        let big = pool.take(count: 4096)
        #expect(big.count == 4096 && big.allSatisfy { $0 == 0 })
        #expect(pool.freeCount == 1)
        for _ in 0..<5 { pool.recycle([UInt8](repeating: 0, count: 8)) }
        #expect(pool.freeCount == 2)
    }

    @Test func withoutZeroingABufferIsOnlyShrunkAndAFullPoolKeepsTheLargest() {
        let pool = ChunkBufferPool(limit: 2, zeroesNewBytes: false)
        var small = [UInt8](repeating: 7, count: 100)
        small.reserveCapacity(10_000)
        let smallAddress = small.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        pool.recycle(consume small)
        // It has the capacity, but growing it would zero the new bytes: a new buffer instead.
        let grown = pool.take(count: 5_000)
        #expect(grown.count == 5_000)
        #expect(grown.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } != smallAddress)
        #expect(pool.freeCount == 1)
        // Shrinking in place is fine.
        let shrunk = pool.take(count: 40)
        #expect(shrunk.count == 40 && shrunk.allSatisfy { $0 == 7 })
        #expect(shrunk.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) } == smallAddress)
        // Full: a larger buffer replaces the smallest; a smaller one is dropped.
        pool.recycle([UInt8](repeating: 1, count: 300))
        pool.recycle(consume shrunk)
        pool.recycle(consume grown)
        pool.recycle([UInt8](repeating: 2, count: 10))
        #expect(pool.freeCount == 2)
        #expect(pool.take(count: 5_000).count == 5_000)
        #expect(pool.take(count: 300).allSatisfy { $0 == 1 })
        #expect(pool.freeCount == 0)
    }
}
