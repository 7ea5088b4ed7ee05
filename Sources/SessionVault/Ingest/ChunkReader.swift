import Foundation
public import VaultStore

#if canImport(Glibc)
import Glibc
#endif

/// A buffer holding up to one chunk of plaintext at `headroom`, with room after it, so that the
/// chunk can be sealed in place (header before, tag after) without another copy.
public struct PlainChunk: Sendable {
    public var buffer: [UInt8]
    public var headroom: Int
    public var count: Int

    public init(buffer: [UInt8], headroom: Int, count: Int) {
        self.buffer = buffer
        self.headroom = headroom
        self.count = count
    }

    /// Zeroes what a reader did not fill in a chunk buffer (`headroom + size + tailroom` bytes, of
    /// which `filled` after the headroom were read): the header and tag areas, which the sealer
    /// overwrites, and the rest of a short chunk. A reused buffer holds an earlier chunk, and no
    /// stale or uninitialised byte should ever be observable.
    public static func zeroUnfilled(_ raw: UnsafeMutableRawBufferPointer, headroom: Int, filled: Int) {
        raw.baseAddress!.initializeMemory(as: UInt8.self, repeating: 0, count: headroom)
        (raw.baseAddress! + headroom + filled).initializeMemory(as: UInt8.self, repeating: 0, count: raw.count - headroom - filled)
    }
}

/// Where ingest reads plaintext from: a file, stdin, an HTTP body.
public protocol ChunkReader {
    /// Reads up to `size` bytes (fewer only at the end of input) into a new buffer of
    /// `headroom + size + tailroom` bytes; `count` 0 means the input has ended.
    mutating func nextChunk(size: Int, headroom: Int, tailroom: Int) async throws -> PlainChunk

    /// The same, into a buffer taken from `pool` (ingest recycles each buffer once its chunk is
    /// stored, so that memory stays at the window). The default ignores the pool.
    mutating func nextChunk(size: Int, headroom: Int, tailroom: Int, pool: ChunkBufferPool) async throws -> PlainChunk
}

extension ChunkReader {
    public mutating func nextChunk(size: Int, headroom: Int, tailroom: Int, pool: ChunkBufferPool) async throws -> PlainChunk {
        try await nextChunk(size: size, headroom: headroom, tailroom: tailroom)
    }
}

/// Reads a file descriptor (a file or a pipe such as stdin) in chunk-sized reads, off the
/// cooperative thread pool.
public struct FileChunkReader: ChunkReader {
    let fd: Int32
    let name: String
    let ownsDescriptor: Bool

    /// Opens `path`, or standard input for `-`.
    public init(path: String) throws {
        if path == "-" {
            fd = STDIN_FILENO
            name = "stdin"
            ownsDescriptor = false
        } else {
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else { throw VaultError.input(path: path, reason: String(cString: strerror(errno))) }
            var info = stat()
            if fstat(opened, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                Glibc.close(opened)
                throw VaultError.input(path: path, reason: "is a directory")
            }
            fd = opened
            name = path
            ownsDescriptor = true
        }
    }

    /// Closes the file (not stdin).
    public func close() {
        if ownsDescriptor { _ = Glibc.close(fd) }
    }

    /// The input's size if it is a regular file (for progress), else nil.
    public var knownSize: Int64? {
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    public mutating func nextChunk(size: Int, headroom: Int, tailroom: Int) async throws -> PlainChunk {
        try await nextChunk(size: size, headroom: headroom, tailroom: tailroom, pool: ChunkBufferPool(limit: 0))
    }

    public mutating func nextChunk(size: Int, headroom: Int, tailroom: Int, pool: ChunkBufferPool) async throws -> PlainChunk {
        let fd = self.fd
        let name = self.name
        // The buffer travels in `handOff`, not as a capture or the closure's result: a value returned
        // through the continuation can still be referenced by the I/O thread for a moment, and the
        // sealer's in-place write would then copy it.
        let handOff = HandOff(pool.take(count: headroom + size + tailroom))
        let filled = try await BlockingIO.run { () throws -> Int in
            var buffer: [UInt8] = []
            handOff.take(into: &buffer)
            defer { handOff.put(buffer) }
            var filled = 0
            var failure: Int32 = 0
            buffer.withUnsafeMutableBytes { raw in
                while filled < size {
                    let n = read(fd, raw.baseAddress! + headroom + filled, size - filled)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        break
                    }
                    if n == 0 { break }
                    filled += n
                }
                PlainChunk.zeroUnfilled(raw, headroom: headroom, filled: filled)
            }
            if failure != 0 { throw VaultError.input(path: name, reason: String(cString: strerror(failure))) }
            return filled
        }
        return PlainChunk(buffer: handOff.take() ?? [], headroom: headroom, count: filled)
    }
}

/// Feeds ingest from bytes already in memory (a review copy made on the way in, tests).
public struct BufferChunkReader: ChunkReader {
    let bytes: [UInt8]
    var offset = 0

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public mutating func nextChunk(size: Int, headroom: Int, tailroom: Int) async throws -> PlainChunk {
        let count = min(size, bytes.count - offset)
        var buffer = [UInt8](repeating: 0, count: headroom + size + tailroom)
        buffer.replaceSubrange(headroom..<(headroom + count), with: bytes[offset..<(offset + count)])
        offset += count
        return PlainChunk(buffer: buffer, headroom: headroom, count: count)
    }
}
