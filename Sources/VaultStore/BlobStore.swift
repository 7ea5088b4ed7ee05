public import Foundation

/// One blob as listed by a store.
public struct BlobListing: Sendable, Hashable {
    public let key: BlobKey
    public let size: Int
    public let modified: Date

    public init(key: BlobKey, size: Int, modified: Date) {
        self.key = key
        self.size = size
        self.modified = modified
    }
}

/// How a blob is to be protected once written (honoured by stores that support WORM locks).
public struct BlobPutOptions: Sendable, Hashable {
    /// The store must refuse to delete the blob before this instant, where it can.
    public var retainUntil: Date?
    /// The blob is under legal hold at write time.
    public var legalHold: Bool

    public init(retainUntil: Date? = nil, legalHold: Bool = false) {
        self.retainUntil = retainUntil
        self.legalHold = legalHold
    }

    public static let none = BlobPutOptions()
}

/// Where sealed chunks live. A store sees ciphertext only and knows no key.
///
/// Contract shared by every backend (checked by one conformance suite):
/// - `put` never exposes a partially written blob under its key: a reader sees the whole blob or none.
/// - After `makeDurable` returns, every blob put before it under those keys survives a crash or power loss.
/// - `put` of an existing key fails with ``BlobStoreError/alreadyExists(_:)`` and leaves the blob as it was.
/// - `delete` of a missing blob succeeds (deletion is idempotent, so an interrupted sweep can be re-run).
/// - `list(prefix:)` returns every blob whose key starts with `prefix`, sorted by key.
public protocol BlobStore: Sendable {
    /// A short description for logs and errors (never credentials).
    var location: String { get }

    /// Writes a blob, replacing nothing: putting an existing key is ``BlobStoreError/alreadyExists(_:)``
    /// on stores that can tell. The blob may not survive a crash until ``makeDurable(_:)`` returns.
    func put(_ key: BlobKey, _ bytes: [UInt8], options: BlobPutOptions) async throws(BlobStoreError)

    /// Makes the blobs named durable (e.g. fsyncs the files and their directories): after it returns,
    /// they survive a crash or power loss. A no-op where `put` is already durable.
    func makeDurable(_ keys: [BlobKey]) async throws(BlobStoreError)

    /// Reads a whole blob.
    func get(_ key: BlobKey) async throws(BlobStoreError) -> [UInt8]

    /// Reads a whole blob into `buffer`'s storage where the store can (re-sized to the blob's
    /// size), so that a pipeline can reuse its buffers (``ChunkBufferPool``). The default reads
    /// into a new buffer.
    func get(_ key: BlobKey, into buffer: consuming [UInt8]) async throws(BlobStoreError) -> [UInt8]

    /// Reads the byte ranges `ranges` of a blob, one after the other, into `buffer`'s storage (re-sized
    /// to their total), so that a reader can fetch a few parts of a large blob without the rest
    /// (the ciphertext and the tags of a few segments of a chunk, say). Ranges are read in the order
    /// given and may be empty. A range that runs past the blob's end is
    /// ``BlobStoreError/shortBlob(_:range:size:)``. The default reads the whole blob and copies the ranges out.
    func get(_ key: BlobKey, ranges: [Range<Int>], into buffer: consuming [UInt8]) async throws(BlobStoreError) -> [UInt8]

    /// The size of a blob, or nil if it does not exist.
    func size(of key: BlobKey) async throws(BlobStoreError) -> Int?

    /// Deletes a blob; a missing blob is not an error.
    func delete(_ key: BlobKey) async throws(BlobStoreError)

    /// Lists blobs under a prefix, sorted by key.
    func list(prefix: String) async throws(BlobStoreError) -> [BlobListing]

    /// Places (`on: true`) or lifts a legal hold on a blob: while held, a store that enforces WORM
    /// refuses to delete it whatever its retention date. Stores that cannot enforce holds document
    /// what they do instead. A missing blob is ``BlobStoreError/notFound(_:)``.
    func setLegalHold(_ key: BlobKey, on: Bool) async throws(BlobStoreError)

    /// The date before which the store refuses to delete the blob, or nil if it enforces none.
    /// A missing blob is ``BlobStoreError/notFound(_:)``.
    func retainUntil(_ key: BlobKey) async throws(BlobStoreError) -> Date?

    /// Removes what interrupted puts left behind (temporary files, unfinished uploads) that
    /// started before `cutoff`; returns how many were removed.
    func removeIncompleteWrites(olderThan cutoff: Date) async throws(BlobStoreError) -> Int
}

extension BlobStore {
    public func get(_ key: BlobKey, into buffer: consuming [UInt8]) async throws(BlobStoreError) -> [UInt8] {
        try await get(key)
    }

    public func get(_ key: BlobKey, ranges: [Range<Int>], into buffer: consuming [UInt8]) async throws(BlobStoreError) -> [UInt8] {
        let whole = try await get(key)
        var out = buffer
        out.removeAll(keepingCapacity: true)
        for range in ranges {
            guard range.lowerBound >= 0, range.upperBound <= whole.count else {
                throw .shortBlob(key, range: range, size: whole.count)
            }
            out.append(contentsOf: whole[range])
        }
        return out
    }
}
