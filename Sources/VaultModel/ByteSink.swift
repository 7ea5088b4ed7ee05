/// Where a streaming writer puts the bytes it produces: a file, stdout, an HTTP response body,
/// another writer, memory.
///
/// One protocol for every layer: the vault streams retrieved plaintext into one (`PlaintextSink` is
/// its name there), the age encryptor and the export's tar writer are themselves sinks and chain
/// (tar → age → file), and the media muxers write review copies into one. So a type that writes
/// somewhere conforms once and serves all of them.
///
/// Callers write in order and never from more than one task at a time; sinks are values or
/// references passed `inout`.
public protocol ByteSink {
    /// Writes `bytes` in full, or throws. The slice may share storage with the caller's buffer: copy
    /// it if you keep it past the call.
    mutating func write(_ bytes: ArraySlice<UInt8>) async throws
}
