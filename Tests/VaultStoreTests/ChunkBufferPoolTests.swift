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
}
