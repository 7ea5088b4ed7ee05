internal import CSodium

/// Return-code checks for libsodium calls: the only way C results enter the safe layer.
enum SodiumCall {
    /// Throws ``CryptoError/sodiumCallFailed(function:code:)`` unless `code` is 0.
    static func check(_ code: Int32, _ function: StaticString) throws(CryptoError) {
        guard code == 0 else { throw .sodiumCallFailed(function: "\(function)", code: code) }
    }

    /// Traps unless `code` is 0. Only for calls that libsodium documents as unable to fail when given
    /// the fixed, already-validated sizes this module passes (hashes, KDF with constant lengths):
    /// a failure there means memory corruption or a broken library, and continuing would be unsafe.
    static func require(_ code: Int32, _ function: StaticString) {
        precondition(code == 0, "\(function) failed with \(code) on validated input")
    }
}

extension UnsafeRawBufferPointer {
    /// The buffer as libsodium's `const unsigned char *`, for parameters libsodium accepts as `NULL`
    /// together with a zero length. `nil` only for an empty buffer.
    var sodiumInput: UnsafePointer<UInt8>? {
        baseAddress?.assumingMemoryBound(to: UInt8.self)
    }

    /// Calls `body` with a pointer that is never null: libsodium declares some pointer parameters
    /// `nonnull` even when their length may be 0, so an empty buffer without storage is given a
    /// one-byte stack scratch (never read, since the length passed is 0).
    func withNonNullBytes<R, E: Error>(_ body: (UnsafePointer<UInt8>) throws(E) -> R) throws(E) -> R {
        if let base = baseAddress { return try body(base.assumingMemoryBound(to: UInt8.self)) }
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { (scratch) throws(E) -> R in
            try body(UnsafePointer(scratch.baseAddress!))
        }
    }
}

extension UnsafeMutableRawBufferPointer {
    /// The buffer as libsodium's `unsigned char *`, for parameters libsodium accepts as `NULL`
    /// together with a zero length. `nil` only for an empty buffer.
    var sodiumOutput: UnsafeMutablePointer<UInt8>? {
        baseAddress?.assumingMemoryBound(to: UInt8.self)
    }

    /// As ``UnsafeRawBufferPointer/withNonNullBytes(_:)`` for output parameters (never written when empty).
    func withNonNullBytes<R, E: Error>(_ body: (UnsafeMutablePointer<UInt8>) throws(E) -> R) throws(E) -> R {
        if let base = baseAddress { return try body(base.assumingMemoryBound(to: UInt8.self)) }
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { (scratch) throws(E) -> R in
            try body(scratch.baseAddress!)
        }
    }
}
