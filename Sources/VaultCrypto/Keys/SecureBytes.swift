internal import CSodium

/// Secret bytes in guarded memory: the only place `VaultCrypto` keeps keys.
///
/// The bytes live in a `sodium_malloc` region (guard pages on both sides, a canary before it),
/// locked into RAM with `sodium_mlock` where the process's `RLIMIT_MEMLOCK` allows (silently unlocked
/// otherwise; see ``isMemoryLocked``) and excluded from core dumps. After the initializer has run the
/// region is made read-only with `sodium_mprotect_readonly`, so a stray write faults instead of
/// corrupting a key. `deinit` calls `sodium_free`, which zeroes the bytes before unmapping them.
///
/// Each instance costs a few pages of address space and one or more `mmap` areas, so use it for keys
/// and other small secrets, not for bulk data.
///
/// `@unchecked Sendable` is sound here: `base` and `count` are immutable, the memory they describe
/// is written only inside the initializer (before the instance is published) and is read-only
/// (enforced by the MMU) from then on until `deinit`.
public final class SecureBytes: @unchecked Sendable {
    private let base: UnsafeMutableRawPointer
    /// The number of secret bytes.
    public let count: Int
    /// Whether `sodium_mlock` succeeded, i.e. whether the bytes are kept out of swap.
    public let isMemoryLocked: Bool

    /// Allocates `count` guarded bytes and lets `initializer` fill them; the region becomes read-only afterwards.
    ///
    /// The buffer handed to `initializer` is filled with garbage (0xdb) by libsodium, not zeroes: write every byte.
    /// - Throws: ``CryptoError/secureMemoryUnavailable(bytes:)`` if the region cannot be allocated or
    ///   protected, or whatever `initializer` throws (the region is zeroed and freed first).
    public convenience init(count: Int, initializer: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        let region = try Self.allocate(count: count)
        do {
            try initializer(UnsafeMutableRawBufferPointer(start: region.pointer, count: count))
        } catch {
            sodium_free(region.pointer)
            throw error
        }
        try self.init(adopting: region.pointer, count: count, locked: region.locked)
    }

    /// As ``init(count:initializer:)``, for module-internal initializers that only throw ``CryptoError``.
    convenience init(
        count: Int,
        filling initializer: (UnsafeMutableRawBufferPointer) throws(CryptoError) -> Void
    ) throws(CryptoError) {
        let region = try Self.allocate(count: count)
        do {
            try initializer(UnsafeMutableRawBufferPointer(start: region.pointer, count: count))
        } catch {
            sodium_free(region.pointer)
            throw error
        }
        try self.init(adopting: region.pointer, count: count, locked: region.locked)
    }

    /// Copies `bytes` into guarded memory. The caller remains responsible for wiping its own copy.
    public convenience init(copying bytes: some Collection<UInt8>) throws {
        let count = bytes.count
        try self.init(
            count: count,
            filling: { (buffer) throws(CryptoError) in
                buffer.copyBytes(from: bytes.prefix(count))
            }
        )
    }

    /// `count` bytes from libsodium's CSPRNG (`randombytes_buf`), generated directly in guarded memory.
    public static func random(count: Int) throws -> SecureBytes {
        try SecureBytes(randomCount: count)
    }

    /// As ``random(count:)``, with a typed error.
    convenience init(randomCount count: Int) throws(CryptoError) {
        try self.init(
            count: count,
            filling: { (buffer) throws(CryptoError) in
                if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
            }
        )
    }

    /// Gives `body` read-only access to the secret bytes. Do not let the pointer escape.
    ///
    /// Generic over the closure's error type, so it serves both `rethrows`-style callers and
    /// typed-throws callers.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Compares the contents with `other` in time independent of the contents (`sodium_memcmp`).
    public func constantTimeEquals(_ other: SecureBytes) -> Bool {
        guard count == other.count else { return false }
        return sodium_memcmp(base, other.base, count) == 0
    }

    /// Allocates and locks a region; readable and writable until ``init(adopting:count:locked:)`` protects it.
    private static func allocate(count: Int) throws(CryptoError) -> (pointer: UnsafeMutableRawPointer, locked: Bool) {
        precondition(count >= 0, "negative SecureBytes count")
        try Sodium.initialize()
        guard let pointer = sodium_malloc(count) else { throw .secureMemoryUnavailable(bytes: count) }
        // sodium_malloc already attempts mlock but ignores its result; ask again to learn it. Failure is
        // expected under a low RLIMIT_MEMLOCK (containers) and is not fatal: the bytes are still guarded.
        let locked = sodium_mlock(pointer, count) == 0
        return (pointer, locked)
    }

    /// Takes ownership of an initialised region and makes it read-only, freeing it if that fails.
    private init(adopting pointer: UnsafeMutableRawPointer, count: Int, locked: Bool) throws(CryptoError) {
        guard sodium_mprotect_readonly(pointer) == 0 else {
            sodium_free(pointer)
            throw .secureMemoryUnavailable(bytes: count)
        }
        self.base = pointer
        self.count = count
        self.isMemoryLocked = locked
    }

    deinit {
        // Restores write access, checks the canary, unlocks, zeroes and unmaps.
        sodium_free(base)
    }
}

extension SecureBytes: CustomStringConvertible, CustomDebugStringConvertible {
    /// Never the contents: `"SecureBytes(32 bytes, redacted)"`.
    public var description: String { "SecureBytes(\(count) bytes, redacted)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
}
