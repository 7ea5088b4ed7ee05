public import Foundation
public import VaultModel

/// A streaming writer of POSIX tar archives (ustar, with pax extended headers where ustar falls short),
/// readable by GNU tar, bsdtar and Python's `tarfile`.
///
/// Each file is declared with its exact size, then its bytes are written in pieces of any size, then it
/// is closed; the writer checks that exactly the declared number of bytes arrived. Nothing is buffered:
/// headers, content and padding go straight to `Output`, so an archive of any size streams through in
/// bounded memory.
///
/// ```swift
/// var tar = TarWriter(output: try AgeEncryptor(recipient: recipient, output: fileSink))
/// try await tar.beginFile(name: "recordings/R1.webm", size: opened.byteCount, mtime: now)
/// try await vault.stream(opened, to: &tar)   // TarWriter is itself a ByteSink
/// try await tar.endFile()
/// var age = try await tar.finish()           // the end-of-archive blocks; returns the output
/// try await age.finish()
/// ```
///
/// A pax extended header (`typeflag 'x'`) precedes an entry whose name is longer than 100 bytes or not
/// ASCII (`path=`), or whose size needs more than ustar's 11 octal digits, i.e. 8 GiB or more (`size=`).
/// Entries are regular files owned by uid/gid 0 with no user or group name, so extracting as an
/// ordinary user gives that user the files.
public struct TarWriter<Output: ByteSink>: ByteSink {
    /// The tar block size: every header and every file's padded content is a multiple of it.
    public static var blockSize: Int { 512 }
    /// The largest size ustar's 11-digit octal field holds, 8 GiB − 1; larger sizes go in a pax header.
    public static var maximumUstarSize: UInt64 { 0o77777777777 }
    /// The longest name ustar's name field holds, in UTF-8 bytes; longer names go in a pax header.
    public static var maximumUstarNameLength: Int { 100 }

    private enum State {
        case idle
        case inFile(declared: UInt64, written: UInt64)
        /// An output write is in progress or threw.
        case failed
        case finished
    }

    private(set) var output: Output
    private var state: State = .idle
    /// The number of entries begun so far; errors name an entry by its 1-based position.
    public private(set) var entryCount = 0

    /// An archive that writes to `output`. Nothing is written until the first ``beginFile(name:size:mode:mtime:)``.
    public init(output: Output) {
        self.output = output
    }

    /// Starts a regular file of exactly `size` bytes: writes its header (and pax header if needed).
    ///
    /// - Parameters:
    ///   - name: a relative path with `/` separators; no leading `/`, no `..` or empty components, no NUL.
    ///   - mode: permission bits, `0...0o7777`.
    ///   - mtime: the modification time, from 1970 to the year 2242 (ustar's 11 octal digits of seconds).
    /// - Throws: ``TarWriterError`` for a bad name, mode or time, or if a file is still open; or what the
    ///   output throws.
    public mutating func beginFile(name: String, size: UInt64, mode: Int = 0o644, mtime: Date) async throws {
        try checkUsable()
        if case .inFile = state { throw TarWriterError.fileStillOpen(entry: entryCount) }
        let header = try Self.headerBlocks(name: name, size: size, mode: mode, mtime: mtime, entry: entryCount + 1)
        entryCount += 1
        state = .failed
        try await output.write(header[...])
        state = .inFile(declared: size, written: 0)
    }

    /// Writes the next content bytes of the open file.
    ///
    /// - Throws: ``TarWriterError/tooManyBytes(entry:declared:attempted:)`` (nothing is written) if the
    ///   file would exceed its declared size, ``TarWriterError/noFileOpen``, or what the output throws.
    public mutating func write(_ bytes: ArraySlice<UInt8>) async throws {
        try checkUsable()
        guard case .inFile(let declared, let written) = state else { throw TarWriterError.noFileOpen }
        let attempted = written + UInt64(bytes.count)
        guard attempted <= declared else {
            throw TarWriterError.tooManyBytes(entry: entryCount, declared: declared, attempted: attempted)
        }
        guard !bytes.isEmpty else { return }
        state = .failed
        try await output.write(bytes)
        state = .inFile(declared: declared, written: attempted)
    }

    /// Writes the next content bytes of the open file.
    public mutating func write(_ bytes: [UInt8]) async throws {
        try await write(bytes[...])
    }

    /// Closes the open file: checks that all declared bytes were written and pads to a block boundary.
    ///
    /// - Throws: ``TarWriterError/tooFewBytes(entry:declared:written:)``, ``TarWriterError/noFileOpen``,
    ///   or what the output throws.
    public mutating func endFile() async throws {
        try checkUsable()
        guard case .inFile(let declared, let written) = state else { throw TarWriterError.noFileOpen }
        guard written == declared else {
            throw TarWriterError.tooFewBytes(entry: entryCount, declared: declared, written: written)
        }
        let padding = Self.padding(for: declared)
        state = .failed
        if padding > 0 { try await output.write([UInt8](repeating: 0, count: padding)[...]) }
        state = .idle
    }

    /// Writes the end-of-archive marker (two zero blocks) and returns the output, for the caller to
    /// finish or close. After this every call throws ``TarWriterError/alreadyFinished``.
    @discardableResult
    public mutating func finish() async throws -> Output {
        try checkUsable()
        if case .inFile = state { throw TarWriterError.fileStillOpen(entry: entryCount) }
        state = .failed
        try await output.write([UInt8](repeating: 0, count: 2 * Self.blockSize)[...])
        state = .finished
        return output
    }

    /// Throws if the archive is finished or its output failed.
    private func checkUsable() throws(TarWriterError) {
        switch state {
        case .idle, .inFile: return
        case .failed: throw .outputFailedEarlier
        case .finished: throw .alreadyFinished
        }
    }
}

extension TarWriter: Sendable where Output: Sendable {}

// MARK: - Header encoding

extension TarWriter {
    /// The zero bytes that follow `size` bytes of content to reach a block boundary.
    static func padding(for size: UInt64) -> Int {
        let remainder = Int(size % UInt64(blockSize))
        return remainder == 0 ? 0 : blockSize - remainder
    }

    /// The header block(s) of a regular file: a pax extended header entry when the name or size does not
    /// fit ustar, then the ustar header.
    static func headerBlocks(name: String, size: UInt64, mode: Int, mtime: Date, entry: Int) throws(TarWriterError) -> [UInt8] {
        let path = try validatedPath(name, entry: entry)
        guard (0...0o7777).contains(mode) else { throw .invalidMode(entry: entry, mode: mode) }
        let seconds = mtime.timeIntervalSince1970.rounded(.down)
        guard seconds >= 0, seconds <= Double(maximumUstarSize) else { throw .invalidModificationTime(entry: entry) }

        var records: [UInt8] = []
        let nameFits = path.count <= maximumUstarNameLength && path.allSatisfy { $0 < 0x80 }
        if !nameFits { records += paxRecord(key: "path", value: path) }
        if size > maximumUstarSize { records += paxRecord(key: "size", value: Array(String(size).utf8)) }

        let ustarName = nameFits ? path : fallbackName(path)
        let ustar = ustarHeader(
            name: ustarName,
            size: size > maximumUstarSize ? 0 : size,
            mode: UInt64(mode),
            mtime: UInt64(seconds),
            typeflag: UInt8(ascii: "0")
        )
        guard !records.isEmpty else { return ustar }
        let paxName = Array(("PaxHeaders/" + String(decoding: fallbackName(path), as: UTF8.self)).utf8.prefix(maximumUstarNameLength))
        let paxHeader = ustarHeader(
            name: paxName,
            size: UInt64(records.count),
            mode: 0o644,
            mtime: UInt64(seconds),
            typeflag: UInt8(ascii: "x")
        )
        return paxHeader + records + [UInt8](repeating: 0, count: padding(for: UInt64(records.count))) + ustar
    }

    /// One pax record, `"LEN key=value\n"`, where LEN counts the whole record including its own digits.
    static func paxRecord(key: String, value: [UInt8]) -> [UInt8] {
        let body = Array(" \(key)=".utf8) + value + [0x0a]
        var length = body.count + 1
        while String(length).utf8.count + body.count != length {
            length = String(length).utf8.count + body.count
        }
        return Array(String(length).utf8) + body
    }

    /// A 512-byte ustar header with checksum.
    static func ustarHeader(name: [UInt8], size: UInt64, mode: UInt64, mtime: UInt64, typeflag: UInt8) -> [UInt8] {
        precondition(name.count <= maximumUstarNameLength)
        var block = [UInt8](repeating: 0, count: blockSize)
        block.replaceSubrange(0..<name.count, with: name)
        putOctal(mode, into: &block, at: 100, width: 8)
        putOctal(0, into: &block, at: 108, width: 8)  // uid
        putOctal(0, into: &block, at: 116, width: 8)  // gid
        putOctal(size, into: &block, at: 124, width: 12)
        putOctal(mtime, into: &block, at: 136, width: 12)
        block.replaceSubrange(148..<156, with: [UInt8](repeating: 0x20, count: 8))  // checksum, as spaces
        block[156] = typeflag
        block.replaceSubrange(257..<263, with: Array("ustar\0".utf8))
        block.replaceSubrange(263..<265, with: Array("00".utf8))
        let checksum = block.reduce(UInt64(0)) { $0 + UInt64($1) }
        putOctal(checksum, into: &block, at: 148, width: 7)  // six digits and a NUL; the space stays
        return block
    }

    /// `value` as zero-padded octal in `width - 1` digits followed by a NUL.
    private static func putOctal(_ value: UInt64, into block: inout [UInt8], at offset: Int, width: Int) {
        let digits = Array(String(value, radix: 8).utf8)
        precondition(digits.count <= width - 1, "octal field overflow")
        let padded = [UInt8](repeating: UInt8(ascii: "0"), count: width - 1 - digits.count) + digits + [0]
        block.replaceSubrange(offset..<(offset + width), with: padded)
    }

    /// The UTF-8 bytes of a safe relative path, or an error naming the rule it breaks (never the name).
    private static func validatedPath(_ name: String, entry: Int) throws(TarWriterError) -> [UInt8] {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty else { throw .invalidName(entry: entry, reason: "empty") }
        guard !bytes.contains(0) else { throw .invalidName(entry: entry, reason: "contains NUL") }
        guard bytes.first != UInt8(ascii: "/") else { throw .invalidName(entry: entry, reason: "absolute path") }
        let components = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard !components.contains(where: \.isEmpty) else {
            throw .invalidName(entry: entry, reason: "empty path component (double or trailing '/')")
        }
        guard !components.contains(where: { $0.elementsEqual("..".utf8) || $0.elementsEqual(".".utf8) }) else {
            throw .invalidName(entry: entry, reason: "'.' or '..' path component")
        }
        return bytes
    }

    /// The ustar name written beside a pax `path`, for readers without pax support: the last path
    /// component, non-ASCII bytes replaced by `_`, cut to 100 bytes.
    private static func fallbackName(_ path: [UInt8]) -> [UInt8] {
        let last = path.split(separator: UInt8(ascii: "/")).last.map(Array.init) ?? path
        return Array(last.map { $0 < 0x80 ? $0 : UInt8(ascii: "_") }.suffix(maximumUstarNameLength))
    }
}

/// What can go wrong while writing a tar archive. Entries are named by their 1-based position, never by
/// their file name (which may carry a session or patient reference).
public enum TarWriterError: Error, Equatable, CustomStringConvertible {
    /// The entry's name is unsafe or unrepresentable; `reason` says which rule it breaks.
    case invalidName(entry: Int, reason: String)
    /// The mode is outside `0...0o7777`.
    case invalidMode(entry: Int, mode: Int)
    /// The modification time is before 1970 or beyond ustar's 11 octal digits.
    case invalidModificationTime(entry: Int)
    /// A write would take the entry past its declared size; nothing was written.
    case tooManyBytes(entry: Int, declared: UInt64, attempted: UInt64)
    /// The entry was closed before its declared size was reached.
    case tooFewBytes(entry: Int, declared: UInt64, written: UInt64)
    /// An entry is still open: call `endFile()` first.
    case fileStillOpen(entry: Int)
    /// Content was written, or `endFile()` called, with no entry open.
    case noFileOpen
    /// The archive is finished.
    case alreadyFinished
    /// An earlier write to the output failed; the partial archive must be discarded.
    case outputFailedEarlier

    /// A one-line, log-safe explanation.
    public var description: String {
        switch self {
        case .invalidName(let entry, let reason): return "tar entry \(entry): invalid name (\(reason))"
        case .invalidMode(let entry, let mode): return "tar entry \(entry): mode \(String(mode, radix: 8)) is not in 0...7777 (octal)"
        case .invalidModificationTime(let entry): return "tar entry \(entry): modification time is outside 1970...2242"
        case .tooManyBytes(let entry, let declared, let attempted):
            return "tar entry \(entry): \(attempted) bytes written, more than the \(declared) declared"
        case .tooFewBytes(let entry, let declared, let written):
            return "tar entry \(entry): closed after \(written) of \(declared) declared bytes"
        case .fileStillOpen(let entry): return "tar entry \(entry) is still open"
        case .noFileOpen: return "no tar entry is open"
        case .alreadyFinished: return "tar archive is already finished"
        case .outputFailedEarlier: return "tar archive's output failed earlier; the partial archive must be discarded"
        }
    }
}
