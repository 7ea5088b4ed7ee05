import Foundation
import VaultCrypto
import VaultIndex

/// The unwrapped keys of recently opened recordings, so that a service answering many range
/// requests for one recording unwraps its data key and verifies its manifest once, not per request.
///
/// This is a memo of a pure function, not a way around the wrap: an entry is found only by the
/// exact wrap bytes the catalog holds *now* (with the role, key id, manifest and manifest tag), and
/// ``Vault/open(_:as:actor:purpose:detail:)`` reads the wrap from the catalog on every request before
/// looking. A withdrawn consent or a crypto-shred deletes the wrap, so the next request finds nothing
/// to look up and is refused, exactly as without the memo. What the memo changes is how long a data
/// key stays in this process's memory: until the entry is unused for ``idleLimit`` or pushed out by
/// newer ones (at most ``capacity``). An entry whose wrap was deleted (by this process or another)
/// can no longer be found and ages out the same way. Keys live in `sodium_malloc` memory inside the sealer and are
/// zeroed when the last reference goes.
struct OpenedKeyCache {
    struct Key: Hashable {
        let id: RecordingID
        let role: String
        let keyID: String
        let wrapped: [UInt8]
        let manifest: [UInt8]
        let manifestTag: [UInt8]
    }

    struct Entry {
        let manifest: RecordingManifest
        let sealer: ChunkSealer
        var lastUse: Date
    }

    /// Recordings held at most.
    static let capacity = 256
    /// An entry unused this long is dropped (a clinician pausing playback for longer pays one unwrap).
    static let idleLimit: TimeInterval = 600

    private var entries: [Key: Entry] = [:]

    mutating func lookUp(_ key: Key, now: Date) -> Entry? {
        dropIdle(now: now)
        guard var entry = entries[key] else { return nil }
        entry.lastUse = now
        entries[key] = entry
        return entry
    }

    mutating func insert(_ entry: Entry, for key: Key) {
        dropIdle(now: entry.lastUse)
        while entries.count >= Self.capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            entries[oldest.key] = nil
        }
        entries[key] = entry
    }

    var count: Int { entries.count }

    private mutating func dropIdle(now: Date) {
        if entries.contains(where: { now.timeIntervalSince($0.value.lastUse) > Self.idleLimit }) {
            entries = entries.filter { now.timeIntervalSince($0.value.lastUse) <= Self.idleLimit }
        }
    }
}
