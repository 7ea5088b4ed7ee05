#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SQLiteCatalog {
    /// The vault-wide exclusive lock (see ``Catalog/withExclusiveLock(_:_:)``): `flock(LOCK_EX | LOCK_NB)`
    /// on `<catalog file>.lock-<name>`, a file created (mode 0600) beside the catalog and never
    /// deleted (deleting it would let two holders lock different files). `flock` locks belong to the
    /// open file, so a second catalog instance in the same process is refused too; the kernel drops
    /// the lock when the file is closed, here after `body`, or when the process dies.
    public func withExclusiveLock<T: Sendable>(_ name: String, _ body: @Sendable () async throws -> T) async throws -> T? {
        try validateLockName(name)
        let path = db.path + ".lock-" + name
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw CatalogError.open(path: path, message: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            if code == EWOULDBLOCK { return nil }
            throw CatalogError.open(path: path, message: "cannot lock: \(String(cString: strerror(code)))")
        }
        defer { flock(fd, LOCK_UN) }
        return try await body()
    }
}
