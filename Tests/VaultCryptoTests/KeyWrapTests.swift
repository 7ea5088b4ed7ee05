import Testing

@testable import VaultCrypto

@Suite struct KeyWrapTests {
    @Test func wrappedKeyUnwrapsForTheSameRecordingAndRole() throws {
        let role = try RoleKeyPair.generate()
        let key = try DataKey.generate()
        let wrapped = try KeyWrap.wrap(key, recordingID: Fixture.recordingID, for: role.publicKey)
        #expect(wrapped.count == 96)
        #expect(KeyWrap.wrappedSize == 96)
        let unwrapped = try KeyWrap.unwrap(wrapped, recordingID: Fixture.recordingID, with: role)
        #expect(unwrapped.bytes.constantTimeEquals(key.bytes))
    }

    @Test func wrappingTwiceGivesDifferentBoxes() throws {
        let role = try RoleKeyPair.generate()
        let key = try DataKey.generate()
        let first = try KeyWrap.wrap(key, recordingID: Fixture.recordingID, for: role.publicKey)
        let second = try KeyWrap.wrap(key, recordingID: Fixture.recordingID, for: role.publicKey)
        #expect(first != second)
    }

    @Test func wrapCopiedFromAnotherRecordingIsRefused() throws {
        let role = try RoleKeyPair.generate()
        let wrapped = try KeyWrap.wrap(DataKey.generate(), recordingID: Fixture.otherRecordingID, for: role.publicKey)
        #expect(throws: CryptoError.wrapForOtherRecording) {
            _ = try KeyWrap.unwrap(wrapped, recordingID: Fixture.recordingID, with: role)
        }
    }

    @Test func wrapForAnotherRoleIsRefused() throws {
        let clinician = try RoleKeyPair.generate()
        let trainer = try RoleKeyPair.generate()
        let wrapped = try KeyWrap.wrap(DataKey.generate(), recordingID: Fixture.recordingID, for: clinician.publicKey)
        #expect(throws: CryptoError.unwrapFailed) {
            _ = try KeyWrap.unwrap(wrapped, recordingID: Fixture.recordingID, with: trainer)
        }
    }

    @Test func corruptOrTruncatedWrapIsRefused() throws {
        let role = try RoleKeyPair.generate()
        let wrapped = try KeyWrap.wrap(DataKey.generate(), recordingID: Fixture.recordingID, for: role.publicKey)
        for offset in stride(from: 0, to: wrapped.count, by: 7) {
            var corrupt = wrapped
            corrupt[offset] ^= 0x10
            #expect(throws: CryptoError.unwrapFailed) {
                _ = try KeyWrap.unwrap(corrupt, recordingID: Fixture.recordingID, with: role)
            }
        }
        #expect(throws: CryptoError.unwrapFailed) {
            _ = try KeyWrap.unwrap(Array(wrapped.dropLast()), recordingID: Fixture.recordingID, with: role)
        }
    }

    @Test func wrapRequiresASixteenByteRecordingID() throws {
        let role = try RoleKeyPair.generate()
        #expect(throws: CryptoError.invalidRecordingID(length: 4)) {
            _ = try KeyWrap.wrap(DataKey.generate(), recordingID: [1, 2, 3, 4], for: role.publicKey)
        }
    }

    @Test func sealedBoxRoundTripsIncludingEmptyMessages() throws {
        let role = try RoleKeyPair.generate()
        for message in [[UInt8](), Array("exported note".utf8)] {
            let box = try message.withUnsafeBytes { try SealedBox.seal($0, to: role.publicKey) }
            #expect(box.count == message.count + SealedBox.overhead)
            #expect(try SealedBox.open(box, with: role).testBytes == message)
        }
        #expect(throws: CryptoError.unwrapFailed) { _ = try SealedBox.open([1, 2, 3], with: role) }
    }

    @Test func sealingToALowOrderPointIsRefused() throws {
        let zero = try RolePublicKey(bytes: [UInt8](repeating: 0, count: 32))
        #expect {
            _ = try [UInt8](repeating: 1, count: 48).withUnsafeBytes { try SealedBox.seal($0, to: zero) }
        } throws: { if case .invalidPublicKey? = $0 as? CryptoError { true } else { false } }
    }
}
