import Testing
@testable import SessionVault
import VaultIndex

@Suite("Verified chunk tables cache")
struct ChunkTableCacheTests {
    func key(_ n: UInt8, tag: UInt8 = 1) -> ChunkTableCache.Key {
        ChunkTableCache.Key(id: try! RecordingID(bytes: [UInt8](repeating: n, count: 16)), manifestTag: [tag])
    }

    @Test func entriesAreFoundOnlyUnderTheManifestTagTheyWereVerifiedAgainst() {
        var cache = ChunkTableCache(capacity: 100)
        cache.insert([10, 20], for: key(1, tag: 7))
        #expect(cache.lookUp(key(1, tag: 7)) == [10, 20])
        #expect(cache.lookUp(key(1, tag: 8)) == nil)
        #expect(cache.lookUp(key(2, tag: 7)) == nil)
    }

    @Test func theLeastRecentlyUsedGoFirstWhenTheEntriesWouldExceedTheCapacity() {
        var cache = ChunkTableCache(capacity: 10)
        cache.insert(Array(repeating: 1, count: 4), for: key(1))
        cache.insert(Array(repeating: 2, count: 4), for: key(2))
        _ = cache.lookUp(key(1))                               // 2 is now the least recently used
        cache.insert(Array(repeating: 3, count: 4), for: key(3))
        #expect(cache.lookUp(key(2)) == nil)
        #expect(cache.lookUp(key(1)) != nil && cache.lookUp(key(3)) != nil)
        cache.insert(Array(repeating: 4, count: 11), for: key(4))  // larger than the whole cache: not kept
        #expect(cache.lookUp(key(4)) == nil && cache.count == 2)
    }
}
