/// A data key wrapped for one role: ``SealedBox`` of recording id (16) ‖ data key (32), 96 bytes.
///
/// Embedding the recording id means a wrap copied into another recording's manifest is refused, even
/// though it would open: the wrap names the recording it belongs to.
public enum KeyWrap {
    /// The size of a wrapped key: 16 + 32 + 48 = 96 bytes.
    public static let wrappedSize = RecordingID.byteCount + DataKey.byteCount + SealedBox.overhead

    /// Wraps `key`, bound to `recordingID` (16 bytes), for the role holding `recipient`'s secret key.
    public static func wrap(_ key: DataKey, recordingID: [UInt8], for recipient: RolePublicKey) throws -> [UInt8] {
        let id = try RecordingID(recordingID).bytes
        let message = try SecureBytes(
            count: RecordingID.byteCount + DataKey.byteCount,
            filling: { (buffer) throws(CryptoError) in
                buffer.copyBytes(from: id)
                key.bytes.withUnsafeBytes {
                    UnsafeMutableRawBufferPointer(rebasing: buffer[RecordingID.byteCount...]).copyMemory(from: $0)
                }
            }
        )
        return try message.withUnsafeBytes { try SealedBox.seal($0, to: recipient) }
    }

    /// Unwraps a data key for `recordingID` with a role's key pair.
    /// - Throws: ``CryptoError/unwrapFailed`` if the wrap is not for this key pair or is corrupt,
    ///   ``CryptoError/wrapForOtherRecording`` if it opens but names another recording,
    ///   ``CryptoError/invalidRecordingID(length:)``.
    public static func unwrap(
        _ wrapped: [UInt8],
        recordingID: [UInt8],
        with keyPair: RoleKeyPair
    ) throws(CryptoError) -> DataKey {
        let id = try RecordingID(recordingID)
        guard wrapped.count == wrappedSize else { throw .unwrapFailed }
        let opened = try SealedBox.open(wrapped, with: keyPair)
        guard opened.count == RecordingID.byteCount + DataKey.byteCount else { throw .unwrapFailed }
        let embedded = opened.withUnsafeBytes {
            RecordingID(high: ChunkHeader.load(UInt64.self, $0, 0), low: ChunkHeader.load(UInt64.self, $0, 8))
        }
        guard embedded == id else { throw .wrapForOtherRecording }
        let key = try SecureBytes(
            count: DataKey.byteCount,
            filling: { (buffer) throws(CryptoError) in
                opened.withUnsafeBytes {
                    buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[RecordingID.byteCount...]))
                }
            }
        )
        return try DataKey(checked: key)
    }
}
