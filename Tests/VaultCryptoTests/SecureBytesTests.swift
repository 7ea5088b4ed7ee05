import Foundation
import TestSupport
import Testing

@testable import VaultCrypto

@Suite(.timeLimit(.minutes(30))) struct SecureBytesTests {
    @Test func copyingKeepsCountAndContents() throws {
        let bytes = try SecureBytes(copying: [1, 2, 3, 250])
        #expect(bytes.count == 4)
        #expect(bytes.testBytes == [1, 2, 3, 250])
    }

    @Test func initializerFillsTheWholeBuffer() throws {
        let bytes = try SecureBytes(count: 100) { buffer in
            for index in buffer.indices { buffer[index] = UInt8(index) }
        }
        #expect(bytes.testBytes == (0..<100).map { UInt8($0) })
    }

    @Test func initializerErrorIsRethrown() {
        struct Refused: Error {}
        #expect(throws: Refused.self) {
            _ = try SecureBytes(count: 32) { _ in throw Refused() }
        }
    }

    @Test func emptySecureBytesAreAllowed() throws {
        let bytes = try SecureBytes(copying: [UInt8]())
        #expect(bytes.count == 0)
        #expect(bytes.testBytes.isEmpty)
    }

    @Test func randomBytesHaveTheRequestedCountAndDiffer() throws {
        let a = try SecureBytes.random(count: 32)
        let b = try SecureBytes.random(count: 32)
        #expect(a.count == 32)
        #expect(a.testBytes != b.testBytes)
        #expect(!a.constantTimeEquals(b))
    }

    @Test func constantTimeEqualsComparesContentsAndLength() throws {
        let a = try SecureBytes(copying: [1, 2, 3])
        #expect(a.constantTimeEquals(try SecureBytes(copying: [1, 2, 3])))
        #expect(!a.constantTimeEquals(try SecureBytes(copying: [1, 2, 4])))
        #expect(!a.constantTimeEquals(try SecureBytes(copying: [1, 2])))
    }

    @Test func descriptionNeverRevealsContents() throws {
        let secret = try SecureBytes(copying: Array("hunter2-secret".utf8))
        #expect(secret.description == "SecureBytes(14 bytes, redacted)")
        #expect(!"\(secret)".contains("hunter2"))
        #expect(!String(reflecting: try DataKey(bytes: SecureBytes(copying: Fixture.dataKeyBytes))).contains("0x"))
    }

    /// The probe program (Tests/Support/SecureMemoryProbe) beside this test bundle.
    static let probe: URL? = BuiltProduct.find("secure-memory-probe")

    @Test func writingThroughTheReadOnlyMappingCrashes() async throws {
        let probe = try #require(Self.probe, "secure-memory-probe is not built beside the tests (swift build --build-tests builds it)")
        let result = try await ChildProcess.run(probe, [])
        #expect(result.reason == .uncaughtSignal && result.status == SIGSEGV, "exit \(result.status) (\(result.reason)): \(result.out)")
    }
}
