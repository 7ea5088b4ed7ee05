/// Where a streaming writer puts the bytes it produces: a file, another writer, memory.
///
/// The requirement has the same shape as the vault's `PlaintextSink`, so a type that already writes
/// retrieved plaintext somewhere (a file, stdout) conforms with an empty extension. Writers that are
/// themselves sinks (``AgeEncryptor``, the export's tar writer) chain: tar → age → file.
public protocol ByteSink {
    /// Writes `bytes` in full, or throws. The slice may share storage with the caller's buffer: copy it
    /// if you keep it past the call.
    mutating func write(_ bytes: ArraySlice<UInt8>) async throws
}
