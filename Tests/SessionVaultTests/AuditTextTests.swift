import Foundation
import Retention
import SessionVault
import Testing
import VaultCrypto
import VaultIndex

/// Issue #16: purpose and reason text goes into the audit trail, where a reader decides whether an
/// access or an act was proper. A text-direction control makes what they see differ from what is
/// stored ("care" on screen, something else in the bytes); a control character can forge the look
/// of another line. Every vault entry point that takes such text refuses both, naming the field.
@Suite("Audit text", .timeLimit(.minutes(10)))
struct AuditTextTests {
    static let refused: [Character] = [
        "\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}",
        "\u{200E}", "\u{200F}", "\u{061C}", "\u{0}", "\u{7}", "\t", "\n", "\r", "\u{1B}", "\u{7F}", "\u{85}", "\u{9B}",
        "\u{2028}", "\u{2029}",
    ]

    static func user() -> UserRecord {
        UserRecord(name: "alice", role: "clinician", tokenHash: [UInt8](repeating: 1, count: 32), patients: [], createdAt: Date())
    }

    /// Runs `body` and checks it is refused as invalid text naming `field`.
    static func expectRefused(_ field: String, sourceLocation: SourceLocation = #_sourceLocation,
                              _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("accepted text with a control or bidi character in the \(field)", sourceLocation: sourceLocation)
        } catch {
            guard let vaultError = VaultError(wrapping: error) else {
                Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(vaultError.code == .invalidText, "\(vaultError)", sourceLocation: sourceLocation)
            #expect(vaultError.subject == field, "\(vaultError)", sourceLocation: sourceLocation)
            #expect(vaultError.message.contains(field), "\(vaultError)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: refused)
    func anAccessPurposeOrBreakGlassReasonWithAControlOrBidiCharacterIsRefused(_ character: Character) async {
        await Self.expectRefused("access purpose") {
            _ = try StaffRequest(user: Self.user(), actor: "user:alice", purpose: "care \(character)gnisseccA")
        }
        await Self.expectRefused("break-glass reason") {
            _ = try StaffRequest(user: Self.user(), actor: "user:alice", breakGlassReason: "crisis\(character) call")
        }
    }

    @Test func plainTextInAnyScriptIsAccepted() throws {
        let staff = try StaffRequest(user: Self.user(), actor: "user:alice", purpose: "Überweisung — 紹介 مراجعة 🙂")
        #expect(staff.purpose == "Überweisung — 紹介 مراجعة 🙂")
        #expect(try StaffRequest(user: Self.user(), actor: "user:alice", breakGlassReason: "duty doctor")?.purpose == "break-glass: duty doctor")
    }

    @Test func everyReasonAndNoteTheVaultRecordsIsCheckedAndNothingChanges() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        let id = try await t.ingest(pseudoRandomBytes(1000)).id
        let before = try await t.vault.auditLog().count
        let trojan = "litigation\u{202E}erac\u{202C}"
        await Self.expectRefused("hold reason") {
            _ = try await t.vault.placeHold(recording: id, patient: nil, vaultPassphrase: nil, reason: trojan, caseRef: "C-1", by: .unproven("test"))
        }
        await Self.expectRefused("hold case reference") {
            _ = try await t.vault.placeHold(recording: id, patient: nil, vaultPassphrase: nil, reason: "litigation", caseRef: "C-1\u{1B}[2K", by: .unproven("test"))
        }
        #expect(try await t.vault.holds(includeReleased: true).isEmpty)
        await Self.expectRefused("consent evidence") {
            _ = try await t.vault.recordConsent(ConsentRequest(session: "S2", patientIdentifier: "9434765870", scopes: ["care"], evidence: "form 7\nconsent withdrawn"),
                                                vaultPassphrase: t.passphrase, by: .unproven("test"))
        }
        #expect(try await t.vault.consentHistory(session: "S2").isEmpty)
        await Self.expectRefused("consent evidence") {
            _ = try await t.vault.renewConsent(session: "S1", scopes: ["care"], evidence: "oral \u{2067}note", by: .unproven("test"))
        }
        await Self.expectRefused("correction reason") {
            _ = try await t.vault.recordPatientEvent(patient: "9434765919", lastContact: "2024-01-02", correction: "typo\u{200F}",
                                                     vaultPassphrase: t.passphrase, by: .unproven("test"))
        }
        await Self.expectRefused("request reference") {
            _ = try await t.vault.addRequest(kind: .sar, received: "2024-01-02", reference: "REF\u{061C}1", by: .unproven("test"))
        }
        let request = try await t.vault.addRequest(kind: .sar, received: CivilDate(Date()), reference: "REF-2", by: .unproven("test"))
        await Self.expectRefused("extension reason") {
            _ = try await t.vault.extendRequest(request.id!, reason: "complex\u{2066} request", by: .unproven("test"))
        }
        await Self.expectRefused("access purpose") {
            _ = try await t.vault.requireWrap(id, role: "clinician", actor: "test", purpose: "care\u{202D}")
        }
        // The one request registered; nothing else was written.
        #expect(try await t.vault.auditLog().count == before + 1)
    }
}
