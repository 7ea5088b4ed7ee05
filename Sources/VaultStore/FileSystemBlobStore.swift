public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blob store in a local directory: the embedded default.
///
/// Each blob is one file `ROOT/KEY`. A put writes `ROOT/tmp/<random>.part` (mode 0600, `O_EXCL`),
/// starts its writeback (`sync_file_range`, which does not wait) and links it into place; a blob
/// is durable only after ``makeDurable(_:)``, which fsyncs each file named (several at once: by then
/// the disk has mostly written them) and then the directories that received new names, once each.
/// Ingest commits nothing to the catalog before that, so a crash in between leaves orphan blobs,
/// whole or torn, that no recording refers to and `gc` deletes, or a stray `.part` file that
/// ``removeIncompleteWrites(olderThan:)`` deletes.
///
/// (An fsync inside every put was measured to cost 5–6 s of waiting per 256 chunks against under
/// 1 s this way: each fsync waits for its own writeback, one chunk after another.)
public struct FileSystemBlobStore: BlobStore {
    public let root: URL

    public var location: String { root.path }

    /// Opens (and with `create`, makes) a store at `root`.
    public init(root: URL, create: Bool = false) throws(BlobStoreError) {
        self.root = root.standardizedFileURL
        let tmp = self.root.appendingPathComponent("tmp").path
        if create {
            try Self.makeDirectories(tmp)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: self.root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .unusableRoot(path: self.root.path, reason: "not a directory")
        }
        guard access(self.root.path, W_OK) == 0 else {
            throw .unusableRoot(path: self.root.path, reason: "not writable")
        }
        try Self.makeDirectories(tmp)
    }

    func path(of key: BlobKey) -> String { root.path + "/" + key.path }

    public func put(_ key: BlobKey, _ bytes: [UInt8], options: BlobPutOptions) async throws(BlobStoreError) {
        let finalPath = path(of: key)
        let tmpPath = root.path + "/tmp/" + UUID().uuidString.lowercased() + ".part"
        // The bytes travel in a box and are dropped when the write returns, not when the I/O
        // thread later releases the closure: the caller reuses the buffer at once (ChunkBufferPool),
        // and a reference still held here would make its next in-place write copy the chunk.
        let box = HandOff(bytes)
        try await BlockingIO.run { () throws(BlobStoreError) in
            var bytes: [UInt8] = []
            box.take(into: &bytes)
            let fd = open(tmpPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw .io(operation: "open", path: tmpPath, errno: errno) }
            var closed = false
            defer { if !closed { close(fd) } }
            do throws(BlobStoreError) {
                try Self.writeAll(fd, bytes, path: tmpPath)
                // Start writing back now; makeDurable waits for it. (Advisory: an error shows at fsync.)
                Self.startWriteback(fd)
                closed = true
                guard close(fd) == 0 else { throw .io(operation: "close", path: tmpPath, errno: errno) }
                let parent = (finalPath as NSString).deletingLastPathComponent
                try Self.makeDirectories(parent)
                // link() refuses to replace an existing name, so a put never overwrites a blob.
                guard link(tmpPath, finalPath) == 0 else {
                    if errno == EEXIST { throw .alreadyExists(key) }
                    throw .io(operation: "link", path: finalPath, errno: errno)
                }
                unlink(tmpPath)
            } catch {
                unlink(tmpPath)
                throw error
            }
        }
    }

    public func makeDurable(_ keys: [BlobKey]) async throws(BlobStoreError) {
        let files = keys.map { path(of: $0) }
        try await Self.fsyncFiles(files)
        var directories = Set<String>()
        for file in files {
            directories.insert((file as NSString).deletingLastPathComponent)
        }
        let sorted = directories.sorted()
        let rootPath = root.path
        try await BlockingIO.run { () throws(BlobStoreError) in
            var parents = Set<String>()
            for directory in sorted {
                try Self.fsyncDirectory(directory)
                // New directories must themselves be named durably in their parents.
                var parent = (directory as NSString).deletingLastPathComponent
                while parent.count >= rootPath.count {
                    parents.insert(parent)
                    if parent == rootPath { break }
                    parent = (parent as NSString).deletingLastPathComponent
                }
            }
            for parent in parents.sorted() { try Self.fsyncDirectory(parent) }
        }
    }

    public func get(_ key: BlobKey) async throws(BlobStoreError) -> [UInt8] {
        let filePath = path(of: key)
        return try await BlockingIO.run { () throws(BlobStoreError) in
            let (fd, size) = try Self.openBlob(filePath, key: key)
            defer { close(fd) }
            return try [UInt8](unsafeUninitializedCapacity: size) { buffer, count throws(BlobStoreError) in
                count = try Self.readFully(fd, at: 0, into: UnsafeMutableRawBufferPointer(buffer), path: filePath)
            }
        }
    }

    public func get(_ key: BlobKey, into buffer: consuming [UInt8]) async throws(BlobStoreError) -> [UInt8] {
        try await readBlob(key, into: buffer) { (fd, size, filePath, bytes) throws(BlobStoreError) in
            bytes.resize(to: size)
            var result: Result<Int, BlobStoreError> = .success(0)
            bytes.withUnsafeMutableBytes { raw in
                result = Result { () throws(BlobStoreError) in try Self.readFully(fd, at: 0, into: raw, path: filePath) }
            }
            let done = try result.get()
            // A file that shrank while read: report what is there.
            if done < size { bytes.removeLast(size - done) }
        }
    }

    public func get(_ key: BlobKey, ranges: [Range<Int>], into buffer: consuming [UInt8]) async throws(BlobStoreError) -> [UInt8] {
        try await readBlob(key, into: buffer) { (fd, size, filePath, bytes) throws(BlobStoreError) in
            for range in ranges where range.lowerBound < 0 || range.upperBound > size {
                throw .shortBlob(key, range: range, size: size)
            }
            bytes.resize(to: ranges.reduce(0) { $0 + $1.count })
            var result: Result<Void, BlobStoreError> = .success(())
            bytes.withUnsafeMutableBytes { raw in
                result = Result { () throws(BlobStoreError) in
                    var at = 0
                    for range in ranges {
                        let part = UnsafeMutableRawBufferPointer(rebasing: raw[at..<(at + range.count)])
                        let done = try Self.readFully(fd, at: range.lowerBound, into: part, path: filePath)
                        // A file that shrank while read.
                        guard done == range.count else { throw .shortBlob(key, range: range, size: range.lowerBound + done) }
                        at += range.count
                    }
                }
            }
            try result.get()
        }
    }

    /// Opens the blob on a blocking-I/O thread and lets `fill` read it (descriptor, size, path) into
    /// `buffer`'s storage. The buffer travels in a box so that it is uniquely referenced where it is
    /// written (no copy-on-write of a pooled buffer).
    private func readBlob(_ key: BlobKey, into buffer: consuming [UInt8],
                      _ fill: @escaping @Sendable (Int32, Int, String, inout [UInt8]) throws(BlobStoreError) -> Void) async throws(BlobStoreError) -> [UInt8] {
        let filePath = path(of: key)
        let handOff = HandOff(consume buffer)
        try await BlockingIO.run { () throws(BlobStoreError) in
            var bytes: [UInt8] = []
            handOff.take(into: &bytes)
            defer { handOff.put(bytes) }
            let (fd, size) = try Self.openBlob(filePath, key: key)
            defer { close(fd) }
            try fill(fd, size, filePath, &bytes)
        }
        return handOff.take() ?? []
    }

    public func size(of key: BlobKey) async throws(BlobStoreError) -> Int? {
        let filePath = path(of: key)
        return try await BlockingIO.run { () throws(BlobStoreError) -> Int? in
            var info = stat()
            guard stat(filePath, &info) == 0 else {
                if errno == ENOENT { return nil }
                throw .io(operation: "stat", path: filePath, errno: errno)
            }
            return Int(info.st_size)
        }
    }

    public func delete(_ key: BlobKey) async throws(BlobStoreError) {
        let filePath = path(of: key)
        let rootPath = root.path
        try await BlockingIO.run { () throws(BlobStoreError) in
            guard unlink(filePath) == 0 || errno == ENOENT else {
                throw .io(operation: "unlink", path: filePath, errno: errno)
            }
            // Remove directories left empty, up to (not including) the root; rmdir fails harmlessly if not empty.
            var parent = (filePath as NSString).deletingLastPathComponent
            while parent.count > rootPath.count, rmdir(parent) == 0 {
                parent = (parent as NSString).deletingLastPathComponent
            }
        }
    }

    public func list(prefix: String) async throws(BlobStoreError) -> [BlobListing] {
        let rootPath = root.path
        return try await BlockingIO.run { () throws(BlobStoreError) -> [BlobListing] in
            // Walk only the directory that contains the prefix, not the whole store.
            let slash = prefix.lastIndex(of: "/")
            let directoryPart = slash.map { String(prefix[..<$0]) } ?? ""
            var results: [BlobListing] = []
            try Self.walk(rootPath, relative: directoryPart, prefix: prefix, into: &results)
            return results.sorted { $0.key < $1.key }
        }
    }

    public func removeIncompleteWrites(olderThan cutoff: Date) async throws(BlobStoreError) -> Int {
        let tmp = root.path + "/tmp"
        return try await BlockingIO.run { () throws(BlobStoreError) -> Int in
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: tmp) else { return 0 }
            var removed = 0
            for name in names where name.hasSuffix(".part") {
                var info = stat()
                let p = tmp + "/" + name
                guard stat(p, &info) == 0 else { continue }
                let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
                if modified < cutoff, unlink(p) == 0 { removed += 1 }
            }
            return removed
        }
    }

    /// A filesystem cannot enforce WORM: this store records no legal hold. It only checks that the
    /// blob exists (``BlobStoreError/notFound(_:)`` otherwise), so that callers see the same answer
    /// for a missing blob as from a store that does hold. Deletion is never refused here.
    public func setLegalHold(_ key: BlobKey, on: Bool) async throws(BlobStoreError) {
        guard try await size(of: key) != nil else { throw .notFound(key) }
    }

    /// Always nil for an existing blob: a filesystem cannot enforce a retention date, so none is kept
    /// (``BlobStoreError/notFound(_:)`` for a missing blob).
    public func retainUntil(_ key: BlobKey) async throws(BlobStoreError) -> Date? {
        guard try await size(of: key) != nil else { throw .notFound(key) }
        return nil
    }

    // MARK: - System-call helpers

    /// Opens a blob for reading: its descriptor and size (``BlobStoreError/notFound(_:)`` if missing).
    static func openBlob(_ filePath: String, key: BlobKey) throws(BlobStoreError) -> (Int32, Int) {
        let fd = open(filePath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .notFound(key) }
            throw .io(operation: "open", path: filePath, errno: errno)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let failure = errno
            close(fd)
            throw .io(operation: "fstat", path: filePath, errno: failure)
        }
        return (fd, Int(info.st_size))
    }

    /// Reads from `offset` (`pread`, the file position untouched) until `buffer` is full or the file
    /// ends; returns the bytes read.
    static func readFully(_ fd: Int32, at offset: Int, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(BlobStoreError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "pread", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Asks the kernel to start writing the file's dirty pages to disk, without waiting
    /// (Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`; elsewhere nothing: the fsync does it all).
    static func startWriteback(_ fd: Int32) {
        #if os(Linux)
        _ = linuxSyncFileRange(fd, 0, 0, 2 /* SYNC_FILE_RANGE_WRITE */)
        #endif
    }

    /// fsyncs the files, four at a time (the disk queues them; one at a time would wait for each in turn).
    static func fsyncFiles(_ paths: [String]) async throws(BlobStoreError) {
        let lanes = min(4, paths.count)
        guard lanes > 0 else { return }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<lanes {
                    let mine = stride(from: lane, to: paths.count, by: lanes).map { paths[$0] }
                    group.addTask {
                        try await BlockingIO.run { () throws(BlobStoreError) in
                            for path in mine {
                                let fd = open(path, O_RDONLY | O_CLOEXEC)
                                guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
                                defer { close(fd) }
                                guard fsync(fd) == 0 else { throw .io(operation: "fsync", path: path, errno: errno) }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch let error as BlobStoreError {
            throw error
        } catch {
            // Not reached: the tasks throw only BlobStoreError, and BlockingIO does not observe
            // cancellation (an fsync once started is finished). The task group's untyped throws needs it.
            throw .io(operation: "fsync", path: paths.first ?? "", errno: EIO)
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(BlobStoreError) {
        let failure: Int32? = bytes.withUnsafeBytes { buffer -> Int32? in
            var done = 0
            while done < buffer.count {
                let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += n
            }
            return nil
        }
        if let failure { throw .io(operation: "write", path: path, errno: failure) }
    }

    static func fsyncDirectory(_ path: String) throws(BlobStoreError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(operation: "fsync", path: path, errno: errno) }
    }

    static func makeDirectories(_ path: String) throws(BlobStoreError) {
        if mkdir(path, 0o700) == 0 || errno == EEXIST { return }
        guard errno == ENOENT else { throw .io(operation: "mkdir", path: path, errno: errno) }
        try makeDirectories((path as NSString).deletingLastPathComponent)
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else { throw .io(operation: "mkdir", path: path, errno: errno) }
    }

    static func walk(_ rootPath: String, relative: String, prefix: String, into results: inout [BlobListing]) throws(BlobStoreError) {
        let directory = relative.isEmpty ? rootPath : rootPath + "/" + relative
        guard let dir = opendir(directory) else {
            if errno == ENOENT || errno == ENOTDIR { return }
            throw .io(operation: "opendir", path: directory, errno: errno)
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            if relative.isEmpty && name == "tmp" { continue }
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            // Prune subtrees that cannot contain the prefix.
            guard childRelative.hasPrefix(prefix) || prefix.hasPrefix(childRelative + "/") || prefix == childRelative else { continue }
            var info = stat()
            guard lstat(rootPath + "/" + childRelative, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                try walk(rootPath, relative: childRelative, prefix: prefix, into: &results)
            } else if (info.st_mode & S_IFMT) == S_IFREG, childRelative.hasPrefix(prefix), let key = try? BlobKey(childRelative) {
                let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
                results.append(BlobListing(key: key, size: Int(info.st_size), modified: modified))
            }
        }
    }
}

#if os(Linux)
/// `sync_file_range(2)`, which the Glibc module does not declare (it needs _GNU_SOURCE).
@_silgen_name("sync_file_range")
private func linuxSyncFileRange(_ fd: Int32, _ offset: Int64, _ count: Int64, _ flags: UInt32) -> Int32
#endif
