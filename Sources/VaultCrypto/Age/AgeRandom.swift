internal import CSodium

/// Non-secret randomness for age files (scrypt salts, payload nonces), from libsodium's CSPRNG.
enum AgeRandom {
    /// `count` bytes from `randombytes_buf`. libsodium must be initialised (``Sodium/initialize()``).
    static func bytes(_ count: Int) -> [UInt8] {
        precondition(Sodium.isReady, "libsodium is not initialised")
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { randombytes_buf(base, count) }
            initialized = count
        }
    }
}
