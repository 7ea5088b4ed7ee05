public import VaultModel

/// A streaming writer of age v1 files (age-encryption.org/v1) that the standard `age` tool decrypts.
///
/// Plaintext goes in through ``write(_:)`` in pieces of any size; the header, the payload nonce and
/// each sealed 64 KiB chunk go out to `Output` as soon as they are complete. Memory stays bounded by
/// one chunk (64 KiB + 16) whatever the file size. A chunk is sealed in place, so plaintext does not
/// linger in the buffer once it has been written out.
///
/// ```swift
/// var age = try AgeEncryptor(recipient: .x25519("age1…"), output: fileSink)
/// try await age.write(bytes[...])      // as often as needed
/// let fileSink = try await age.finish() // seals the final chunk
/// ```
///
/// The writer is itself a ``ByteSink``, so another streaming writer (the export's tar writer) can
/// write into it. If the output throws, the writer refuses all further calls
/// (``AgeError/outputFailedEarlier``): the partial file must be discarded.
public struct AgeEncryptor<Output: ByteSink>: ByteSink {
    /// Plaintext bytes per payload chunk: 64 KiB.
    public static var chunkSize: Int { AgePayloadStream.chunkSize }

    private enum State {
        /// Accepting plaintext; `header` is the header and payload nonce not yet written out.
        case open(header: [UInt8]?)
        /// An output write is in progress or threw; any call now fails.
        case failed
        /// ``finish()`` completed.
        case finished
    }

    private var output: Output
    private var state: State
    private var stream: AgePayloadStream
    /// One chunk of plaintext plus room for its tag; sealed in place.
    private var buffer: [UInt8]
    /// How many plaintext bytes `buffer` holds.
    private var buffered = 0
    /// Plaintext bytes accepted so far.
    public private(set) var plaintextByteCount: UInt64 = 0

    /// Prepares a file for `recipient`: a fresh file key, salt or ephemeral key, and payload nonce.
    ///
    /// For a scrypt recipient this runs scrypt now, synchronously (about a second and 256 MiB at the
    /// default work factor). Nothing is written to `output` until the first ``write(_:)`` or ``finish()``.
    ///
    /// - Throws: what ``AgeRecipient/validate()`` throws, ``AgeError/lowOrderRecipient``,
    ///   ``AgeError/scryptFailed(logN:)``, or ``AgeError/crypto(_:)``.
    public init(recipient: AgeRecipient, output: Output) throws(AgeError) {
        try recipient.validate()
        try AgeError.lifting { () throws(CryptoError) in try Sodium.initialize() }
        let fileKey = try AgeError.lifting { () throws(CryptoError) in try AgeFileKey.generate() }
        let stanza: AgeStanza
        switch recipient {
        case .scrypt(let passphrase, let workFactor):
            stanza = try .scrypt(
                fileKey: fileKey,
                passphrase: passphrase,
                logN: workFactor,
                salt: AgeRandom.bytes(AgeStanza.scryptSaltByteCount)
            )
        case .x25519(let string):
            let ephemeral = try AgeError.lifting { () throws(CryptoError) in
                try SecureBytes(randomCount: AgeStanza.ephemeralSecretByteCount)
            }
            stanza = try .x25519(fileKey: fileKey, recipient: X25519Recipient(parsing: string), ephemeralSecret: ephemeral)
        }
        try self.init(
            fileKey: fileKey,
            stanzas: [stanza],
            nonce: AgeRandom.bytes(AgePayloadStream.nonceByteCount),
            output: output
        )
    }

    /// A writer with every random input fixed, for known-answer tests. Never reuse a file key or nonce.
    init(fileKey: SecureBytes, stanzas: [AgeStanza], nonce: [UInt8], output: Output) throws(AgeError) {
        precondition(fileKey.count == AgeFileKey.byteCount, "age file keys are 16 bytes")
        precondition(
            stanzas.count == 1 || !stanzas.contains { $0.arguments.first == "scrypt" },
            "an scrypt stanza must be the only stanza"
        )
        let header = try AgeHeader.encode(stanzas, fileKey: fileKey)
        self.stream = try AgeError.lifting { () throws(CryptoError) in try AgePayloadStream(fileKey: fileKey, nonce: nonce) }
        self.output = output
        self.state = .open(header: header + nonce)
        self.buffer = [UInt8](repeating: 0, count: AgePayloadStream.chunkSize + AgePayloadStream.tagByteCount)
    }

    /// Encrypts the next plaintext bytes. A chunk is sealed and written out only once the byte after
    /// it arrives (or at ``finish()``), because the last chunk carries a different flag.
    public mutating func write(_ bytes: ArraySlice<UInt8>) async throws {
        try checkOpen()
        var rest = bytes
        while !rest.isEmpty {
            if buffered == Self.chunkSize { try await flush(isFinal: false) }
            let count = min(Self.chunkSize - buffered, rest.count)
            let start = buffered
            buffer.withUnsafeMutableBytes { target in
                rest.prefix(count).withUnsafeBytes { source in
                    target.baseAddress!.advanced(by: start).copyMemory(from: source.baseAddress!, byteCount: count)
                }
            }
            buffered += count
            plaintextByteCount += UInt64(count)
            rest = rest.dropFirst(count)
        }
    }

    /// Encrypts the next plaintext bytes.
    public mutating func write(_ bytes: [UInt8]) async throws {
        try await write(bytes[...])
    }

    /// Seals the final chunk (an empty payload is one empty final chunk), writes it, and returns the
    /// output. After this every call throws ``AgeError/alreadyFinished``.
    @discardableResult
    public mutating func finish() async throws -> Output {
        try checkOpen()
        try await flush(isFinal: true)
        state = .finished
        return output
    }

    /// Throws unless the writer is accepting plaintext.
    private func checkOpen() throws(AgeError) {
        switch state {
        case .open: return
        case .failed: throw .outputFailedEarlier
        case .finished: throw .alreadyFinished
        }
    }

    /// Writes any pending header, then seals the buffered plaintext as the next chunk and writes it.
    private mutating func flush(isFinal: Bool) async throws {
        guard case .open(let header) = state else { preconditionFailure("flush on a writer that is not open") }
        state = .failed
        if let header { try await output.write(header[...]) }
        let count = buffered
        buffer.withUnsafeMutableBytes { buffer in stream.sealInPlace(buffer, count: count, isFinal: isFinal) }
        buffered = 0
        try await output.write(buffer[0..<(count + AgePayloadStream.tagByteCount)])
        state = .open(header: nil)
    }
}

extension AgeEncryptor: Sendable where Output: Sendable {}
