import Foundation
import VaultCrypto

#if canImport(Glibc)
import Glibc
#endif

/// The root of a vault's erasure tree: one small file, overwritten in place and fsynced, never renamed.
///
/// Layout (88 bytes): `"SVROOT1\0"` ‖ slot 0 ‖ slot 1, each slot a generation (8, big-endian) and a
/// 32-byte key. The slot whose generation equals the node store's is the root in force. A change of
/// root writes the new root into the other slot (fsync), commits the node store, then overwrites the
/// old slot with zeros (fsync): a crash at any point leaves the old root or the new one in force, and
/// a slot left behind by a crash is wiped by the next writer (``wipeSlots(except:)``).
///
/// Writes happen in place, so the old root is gone from the file system's view of the file once the
/// overwrite is fsynced; what the device beneath keeps (SSD wear levelling, snapshots, backups of this
/// file) is outside the vault's reach: docs/THREAT-MODEL.md says what the file's store must guarantee.
/// Every access holds `flock` on the file (shared to read, exclusive to write), so a read never sees a
/// half-written slot.
struct ErasureRootFile: Sendable {
    static let magic: [UInt8] = Array("SVROOT1\0".utf8)
    static let slotSize = 8 + NodeKeySeal.keySize
    static let fileSize = 8 + 2 * slotSize

    let path: String

    struct Slot {
        let generation: UInt64
        let key: SecureBytes?
    }

    /// Creates the file with two empty slots if it does not exist. Returns true if it was created.
    @discardableResult
    func createIfMissing() throws -> Bool {
        if FileManager.default.fileExists(atPath: path) { return false }
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST { return false }
            throw VaultError.output(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        try Self.writeAll(fd, Self.magic + [UInt8](repeating: 0, count: 2 * Self.slotSize), at: 0, path: path)
        guard fsync(fd) == 0 else { throw VaultError.output(path: path, reason: String(cString: strerror(errno))) }
        try AtomicFile.syncDirectory(directory)
        return true
    }

    /// The key of the slot holding `generation`, or nil if no slot holds it.
    func root(generation: UInt64) throws -> SecureBytes? {
        try withLocked(exclusive: false) { fd in
            try readSlots(fd).first { $0.generation == generation && $0.key != nil }?.key
        }
    }

    /// Whether any slot holds a key (a root in force, or one a crash left behind).
    func holdsAnyKey() throws -> Bool {
        try withLocked(exclusive: false) { fd in try readSlots(fd).contains { $0.key != nil } }
    }

    /// Writes `key` for `generation` into a slot that does not hold `keep`, and fsyncs.
    func writePending(_ key: SecureBytes, generation: UInt64, keep: UInt64) throws {
        try withLocked(exclusive: true) { fd in
            let slots = try readSlots(fd)
            let target = slots[0].generation == keep && keep != 0 ? 1 : 0
            var bytes = TreeWrap.bigEndian(generation)
            key.withUnsafeBytes { bytes += Array($0) }
            try Self.writeAll(fd, bytes, at: Self.offset(of: target), path: path)
            for index in bytes.indices { bytes[index] = 0 }
            guard fsync(fd) == 0 else { throw VaultError.output(path: path, reason: String(cString: strerror(errno))) }
        }
    }

    /// Overwrites with zeros every slot whose generation is not `generation`, and fsyncs if it wrote.
    /// Returns how many slots it wiped.
    @discardableResult
    func wipeSlots(except generation: UInt64) throws -> Int {
        try withLocked(exclusive: true) { fd in
            var wiped = 0
            for (index, slot) in try readSlots(fd).enumerated() where slot.generation != generation && (slot.generation != 0 || slot.key != nil) {
                try Self.writeAll(fd, [UInt8](repeating: 0, count: Self.slotSize), at: Self.offset(of: index), path: path)
                wiped += 1
            }
            if wiped > 0, fsync(fd) != 0 { throw VaultError.output(path: path, reason: String(cString: strerror(errno))) }
            return wiped
        }
    }

    /// Overwrites with zeros the slot holding `generation` (a root just replaced), if it still does.
    func wipe(generation: UInt64) throws {
        try withLocked(exclusive: true) { fd in
            for (index, slot) in try readSlots(fd).enumerated() where slot.generation == generation {
                try Self.writeAll(fd, [UInt8](repeating: 0, count: Self.slotSize), at: Self.offset(of: index), path: path)
                guard fsync(fd) == 0 else { throw VaultError.output(path: path, reason: String(cString: strerror(errno))) }
            }
        }
    }

    private static func offset(of slot: Int) -> off_t { off_t(8 + slot * slotSize) }

    private func readSlots(_ fd: Int32) throws -> [Slot] {
        var buffer = [UInt8](repeating: 0, count: Self.fileSize)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Self.fileSize, 0) }
        guard n == Self.fileSize, Array(buffer.prefix(8)) == Self.magic else {
            throw VaultError.keyring(path: path, reason: "not an erasure root file (wrong size or magic)")
        }
        defer { for index in buffer.indices { buffer[index] = 0 } }
        return try (0..<2).map { index in
            let base = 8 + index * Self.slotSize
            let generation = buffer[base..<(base + 8)].reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
            let keyBytes = buffer[(base + 8)..<(base + Self.slotSize)]
            let key = keyBytes.allSatisfy({ $0 == 0 }) ? nil : try SecureBytes(copying: keyBytes)
            return Slot(generation: generation, key: key)
        }
    }

    private func withLocked<T>(exclusive: Bool, _ body: (Int32) throws -> T) throws -> T {
        let fd = open(path, (exclusive ? O_RDWR : O_RDONLY) | O_CLOEXEC)
        guard fd >= 0 else { throw VaultError.keyring(path: path, reason: "erasure root: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0 {
            guard errno == EINTR else { throw VaultError.keyring(path: path, reason: "erasure root lock: \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }
        return try body(fd)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: off_t, path: String) throws {
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, offset) }
        guard written == bytes.count else { throw VaultError.output(path: path, reason: written < 0 ? String(cString: strerror(errno)) : "short write") }
    }
}
