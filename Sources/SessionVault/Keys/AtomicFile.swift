import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes small files (configuration, keyring entries) so that a crash leaves the old file or
/// the new one, never a mix: temp file in the same directory, fsync, rename, fsync the directory.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to url: URL, mode: mode_t = 0o600, replace: Bool = true) throws {
        let directory = url.deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let tmp = directory + "/." + url.lastPathComponent + "." + UUID().uuidString.prefix(8) + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw VaultError.output(path: tmp, reason: String(cString: strerror(errno))) }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        let written = bytes.withUnsafeBytes { buffer -> Bool in
            var done = 0
            while done < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 { if errno == EINTR { continue }; return false }
                done += n
            }
            return true
        }
        guard written, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw VaultError.output(path: url.path, reason: reason)
        }
        close(fd)
        if replace {
            guard rename(tmp, url.path) == 0 else { throw VaultError.output(path: url.path, reason: String(cString: strerror(errno))) }
        } else {
            // link() fails if the name exists: never overwrite (e.g. a key file).
            guard link(tmp, url.path) == 0 else { throw VaultError.output(path: url.path, reason: String(cString: strerror(errno))) }
            unlink(tmp)
        }
        ok = true
        try syncDirectory(directory)
    }

    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw VaultError.output(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw VaultError.output(path: path, reason: String(cString: strerror(errno))) }
    }
}

extension AtomicFile {
    /// Appends a line-sized record and fsyncs it (O_APPEND writes of one record are not interleaved).
    static func append(_ bytes: [UInt8], to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw VaultError.output(path: url.path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let ok = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) == $0.count }
        guard ok, fsync(fd) == 0 else { throw VaultError.output(path: url.path, reason: String(cString: strerror(errno))) }
    }
}
