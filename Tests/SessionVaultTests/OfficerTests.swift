import Foundation
import Testing
@testable import SessionVault
@testable import VaultIndex
import VaultCrypto

/// Accountable administration. The attack: `USER=anyone sessionvault disposition approve ID`
/// succeeded, and the next sweep destroyed a clinical record "approved by cli:anyone"; `hold
/// release` needed no passphrase either. Now a privileged act needs a named officer's proof (their
/// own key, under their own passphrase), an approval is signed with that key, and the sweeper
/// verifies the signature before it destroys anything.
@Suite("Officers and signed decisions", .serialized, .timeLimit(.minutes(30)))
struct OfficerTests {
    /// A training recording (review at the end of its period) queued for review.
    func queued() async throws -> (TestVault, TestClock, RecordingID) {
        let clock = TestClock("2026-01-10")
        let t = try await TestVault.make(roles: ["clinician", "records-officer", "supervisor", "trainer"], scopes: ["care", "training"],
                                         clock: clock.function)
        let id = try await t.ingest([1, 2, 3], retentionClass: "training").id
        clock.set("2029-01-11")
        #expect(try await t.vault.sweep(actor: "test").queuedForReview == 1)
        return (t, clock, id)
    }

    func sql(_ t: TestVault, _ statement: String, _ values: [SQLValue] = []) throws {
        try SQLiteConnection(path: t.catalogPath).run(statement, values)
    }

    @Test func anUnsignedApprovalWrittenIntoTheCatalogIsNotActedOn() async throws {
        let (t, _, id) = try await queued()
        defer { t.remove() }
        try await t.officer()
        // As the old CLI did (or anyone with the catalog): approved, by a name, with no signature.
        try await t.vault.catalog.decideDisposition(id, approve: true, extendUntil: nil, reason: "ok", by: "cli:anyone", at: Date(), signature: nil,
                                                    audit: AuditDraft(actor: "cli:anyone", action: .dispositionApprove))
        let report = try await t.vault.sweep(actor: "test")
        #expect(report.destroyed == 0)
        #expect(report.refusedApprovals.count == 1 && report.refusedApprovals[0].contains("not by an officer"), "\(report.refusedApprovals)")
        #expect(try await t.vault.catalog.recording(id)?.state == .live)
        #expect(try await t.vault.catalog.dispositions(status: .pending).map(\.recording) == [id], "back in the review queue")
        let refusal = try await t.vault.catalog.auditEntries(after: 0, limit: 10_000).last { $0.draft.action == "disposition.refused" }
        #expect(refusal?.draft.outcome == "refused")
    }

    @Test func aSignedApprovalIsActedOnAndItsSignatureIsKeptWithTheDestructionRecord() async throws {
        let (t, _, id) = try await queued()
        defer { t.remove() }
        let rita = try await t.officer()
        try await t.vault.decideDisposition(id, approve: true, reason: "appraised: no further value", by: rita)
        #expect(try await t.vault.sweep(actor: "test").destroyed == 1)
        let record = try #require(try await t.vault.catalog.destructionRecords(since: nil, limit: 5).first)
        #expect(record.authorisedBy.contains("officer:rita") && record.authorisedBy.contains(Hex.encode(rita.publicKey)))
        // What a records officer answering "why and how was this destroyed" needs, in the record itself.
        #expect(record.reason == "appraised: no further value")
        #expect(record.method?.contains("erasure-tree leaf erased") == true)
        #expect(record.schedule?.hasPrefix("nhs-mental-health ") == true && record.schedule?.contains("sha256 ") == true, "\(record.schedule ?? "-")")
        // The kept signature verifies from the destruction record alone, against the officer's public key.
        func field(_ label: String, _ length: Int) throws -> String {
            let start = try #require(record.authorisedBy.range(of: label)).upperBound
            return String(record.authorisedBy[start...].prefix(length))
        }
        let millis = try #require(Int64(try field(" at ", 20).prefix { $0.isNumber }))
        let signature = try #require(Hex.decode(try field("signature ", 128)))
        let vaultID = t.vault.config.vaultID
        let message = Vault.dispositionMessage(vaultID: vaultID, recording: id, approve: true, dueOn: try #require(record.dueOn).description,
                                               extendUntil: nil, decidedAtMillis: millis, officer: "officer:rita", reason: record.reason)
        #expect(SigningKeyPair.verify(signature: signature, message: message, publicKey: rita.publicKey))
        let altered = Vault.dispositionMessage(vaultID: vaultID, recording: id, approve: true, dueOn: try #require(record.dueOn).description,
                                               extendUntil: nil, decidedAtMillis: millis, officer: "officer:rita", reason: "something else")
        #expect(!SigningKeyPair.verify(signature: signature, message: altered, publicKey: rita.publicKey))
    }

    @Test func anApprovalAlteredAfterSigningOrByARevokedOfficerIsRefused() async throws {
        let (t, _, id) = try await queued()
        defer { t.remove() }
        let rita = try await t.officer()
        try await t.vault.decideDisposition(id, approve: true, reason: "appraised", by: rita)
        try sql(t, "UPDATE dispositions SET reason = 'something else' WHERE recording_id = ?", [.blob(id.bytes)])
        var report = try await t.vault.sweep(actor: "test")
        #expect(report.destroyed == 0 && report.refusedApprovals.first?.contains("does not verify") == true, "\(report.refusedApprovals)")

        // Signed properly this time, but the officer had been revoked before the decision.
        try await t.vault.decideDisposition(id, approve: true, reason: "appraised", by: rita)
        try sql(t, "UPDATE users SET revoked_at_ms = 0 WHERE name = 'rita'")
        report = try await t.vault.sweep(actor: "test")
        #expect(report.destroyed == 0 && report.refusedApprovals.first?.contains("revoked") == true, "\(report.refusedApprovals)")

        // An insider swaps in a key of their own for rita: signatures by it are not rita's recorded key.
        try sql(t, "UPDATE users SET revoked_at_ms = NULL WHERE name = 'rita'")
        let forged = try SigningKeyPair.generate()
        try sql(t, "UPDATE users SET signing_key = ? WHERE name = 'rita'", [.blob(forged.publicKey)])
        await expectVaultError(.officerRefused) { _ = try await t.vault.proveOfficer("rita", passphrase: t.passphrase, for: .approveDisposal) }
        #expect(try await t.vault.catalog.recording(id)?.state == .live)
    }

    @Test func proofsAreRefusedForTheWrongPassphraseRoleOrAStranger() async throws {
        let t = try await TestVault.make()
        defer { t.remove() }
        try await t.officer("rita")
        try await t.officer("carol", role: "clinician", for: .consent)
        let wrong = try SecureBytes(copying: Array("not rita's passphrase".utf8))
        for (name, passphrase, privilege, expected) in [("rita", wrong, OfficerPrivilege.releaseHold, "wrong passphrase"),
                                                         ("carol", t.passphrase, .approveDisposal, "may not approve a destruction"),
                                                         ("mallory", t.passphrase, .placeHold, "no such user")] {
            do {
                _ = try await t.vault.proveOfficer(name, passphrase: passphrase, for: privilege)
                Issue.record("\(name) proved for \(privilege)")
            } catch {
                guard error.code == .officerRefused, let reason = error.reason else { Issue.record("\(error)"); continue }
                #expect(error.subject == name && reason.contains(expected), "\(reason)")
            }
        }
        let refusals = try await t.vault.catalog.auditEntries(after: 0, limit: 10_000).filter { $0.draft.action == "officer.proof" }
        #expect(refusals.count == 3 && refusals.allSatisfy { $0.draft.outcome == "refused" })
        #expect(try await t.vault.officersRequired())
    }

    @Test func theCommandLineRefusesPrivilegedActsWithoutTheOfficersProof() async throws {
        let officer = try await CLI.prepared()
        defer { officer.remove() }
        let anyone = officer.with(["SESSIONVAULT_OFFICER": "", "USER": "anyone"])
        let id = try await officer.expectOK(["ingest", "-", "--session", "S1", "--clinician", "dr-a", "--class", "care"], stdin: Data([1])).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let placed = try await officer.expectOK(["hold", "place", "--recording", id, "--reason", "complaint", "--ref", "C-1"]).out
        let hold = String(placed.split(separator: " ").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)

        for command in [["hold", "release", hold], ["disposition", "approve", id], ["role", "add", "trainer"],
                        ["consent", "withdraw", "--session", "S1", "--scope", "care"], ["fsck", "--repair"],
                        ["request", "add", "--type", "sar", "--received", "2026-12-01"]] {
            let refused = try await anyone.run(command)
            #expect(refused.status == 3, "\(command): \(refused.stderr)")
            #expect(refused.stderr.contains("an officer must prove who they are"), "\(command): \(refused.stderr)")
        }
        let wrong = try await officer.run(["hold", "release", hold], environment: ["SESSIONVAULT_OFFICER_PASSPHRASE": "guess"])
        #expect(wrong.status == 3 && wrong.stderr.contains("officer 'rita' refused: wrong passphrase"), "\(wrong.stderr)")
        #expect(try await officer.run(["hold", "ls", "--json"]).out.contains("\"releasedAt\"") == false, "still held")

        try await officer.expectOK(["hold", "release", hold, "--reason", "complaint withdrawn"])
        let audit = try await officer.expectOK(["audit", "ls", "--json"]).out
        #expect(audit.contains("\"actor\" : \"officer:rita\""))
        #expect(audit.contains("\"action\" : \"hold.release\""))
        #expect(audit.contains("\"detail\" : \"complaint withdrawn\""), "the release's reason is kept in its audit entry")
    }
}
