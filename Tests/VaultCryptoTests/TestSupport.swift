@testable import VaultCrypto

/// Fixed inputs shared by the tests; the same ones docs/FORMAT.md uses for its test vectors.
enum Fixture {
    /// Data key 0x00…0x1f.
    static let dataKeyBytes: [UInt8] = (0x00..<0x20).map { UInt8($0) }
    /// Recording id 0xa0…0xaf.
    static let recordingID: [UInt8] = (0xa0...0xaf).map { UInt8($0) }
    /// Another recording's id.
    static let otherRecordingID: [UInt8] = (0xb0...0xbf).map { UInt8($0) }
    /// The algorithms this machine can run (both, on anything with AES-NI).
    static let algorithms = ChunkAlgorithm.allCases.filter(\.isAvailable)

    static func dataKey() throws -> DataKey {
        try DataKey(bytes: SecureBytes(copying: dataKeyBytes))
    }

    /// Format 1 unless told: the format the §9.2 vectors and the older tests were written for.
    static func sealer(_ algorithm: ChunkAlgorithm, recordingID: [UInt8] = recordingID, format: ChunkFormat = .whole) throws -> ChunkSealer {
        try ChunkSealer(key: dataKey(), algorithm: algorithm, recordingID: recordingID, format: format)
    }

    /// Deterministic, non-repeating-looking test plaintext.
    static func plaintext(count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
    }
}

extension SecureBytes {
    /// A copy of the contents, for assertions only.
    var testBytes: [UInt8] { withUnsafeBytes { Array($0) } }
}

extension ChunkSealer {
    /// Seals into a fresh array of exactly the sealed size.
    func seal(_ plaintext: [UInt8], index: UInt64, isLast: Bool) throws(CryptoError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: format.sealedSize(plaintextCount: plaintext.count))
        let result: Result<Int, CryptoError> = plaintext.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { output in
                Result { () throws(CryptoError) in try seal(input, index: index, isLast: isLast, into: output) }
            }
        }
        let written = try result.get()
        precondition(written == output.count)
        return output
    }

    /// Opens into a fresh array of exactly the plaintext size the sealed length implies.
    func open(_ sealed: [UInt8], index: UInt64, isLast: Bool) throws(CryptoError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: format.plaintextCount(sealedCount: sealed.count) ?? max(0, sealed.count - Self.headerSize - Self.tagSize))
        let result: Result<Int, CryptoError> = sealed.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { output in
                Result { () throws(CryptoError) in try open(input, index: index, isLast: isLast, into: output) }
            }
        }
        let count = try result.get()
        return Array(output[0..<count])
    }
}

/// The typed error a throwing expression produced, or `nil` if it did not throw.
func cryptoError<T>(_ body: () throws(CryptoError) -> T) -> CryptoError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// The header field named by a chunk-header mismatch, or `nil` for any other outcome.
func mismatchedField<T>(_ body: () throws(CryptoError) -> T) -> String? {
    if case .chunkHeaderMismatch(_, let field, _, _)? = cryptoError(body) { return field }
    return nil
}
