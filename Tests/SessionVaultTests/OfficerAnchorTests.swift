import Foundation
import Testing
@testable import SessionVault
@testable import VaultIndex
import VaultCrypto

/// Officers anchored outside the catalog. The attack: an insider who can write the catalog (and the
/// keyring) but holds no officer's passphrase enrols an officer of their own, a user row with a key
/// they made, signs an approval with it, and the next sweep destroys a clinical record early.
/// Before enrolments were signed, the sweeper trusted any officer key the catalog held.
@Suite("Officer anchor: enrolments signed back to the vault's first officer", .serialized, .timeLimit(.minutes(30)))
struct OfficerAnchorTests {
    /// A care recording queued for review, with rita enrolled as the vault's first officer.
    func queued(_ backend: CatalogBackend) async throws -> (BackendVault, Officer, RecordingID) {
        let clock = TestClock("2026-01-10")
        let v = try await BackendVault.make(backend, roles: ["clinician", "records-officer", "supervisor", "trainer"], scopes: ["care", "training"],
                                            clock: clock.function)
        let t = v.t
        let id = try await t.ingest([1, 2, 3], retentionClass: "training").id
        let rita = try await t.officer("rita")
        clock.set("2029-01-11")
        #expect(try await t.vault.sweep(actor: "sweeper").queuedForReview == 1)
        return (v, rita, id)
    }

    /// What the insider does with a shell: a key file in the keyring, a row in the users table
    /// (with or without an enrolment they signed themselves), and an approval signed with that key.
    func enrolMallory(_ t: TestVault, selfSigned: Bool) async throws -> Officer {
        let pair = try t.vault.keyring.createSigningKey(.officer, name: "mallory", passphrase: t.passphrase, strength: .interactive, now: Date())
        let enrolment = selfSigned
            ? pair.publicKey + pair.sign(t.vault.enrolmentStatement(name: "mallory", role: "records-officer", key: pair.publicKey)) : nil
        try await t.vault.catalog.addUser(UserRecord(name: "mallory", role: "records-officer", tokenHash: Array(repeating: 7, count: 32), patients: [],
                                                     createdAt: Date(), signingKey: pair.publicKey, enrolment: enrolment),
                                          audit: AuditDraft(actor: "cli:mallory", action: .userAdd, target: "user:mallory"))
        return Officer(name: "mallory", role: "records-officer", signing: pair)
    }

    @Test(arguments: CatalogBackend.available, [false, true])
    func anOfficerWrittenIntoTheCatalogCanNeitherProveNorApprove(backend: CatalogBackend, selfSigned: Bool) async throws {
        let (v, _, id) = try await queued(backend)
        let t = v.t
        let mallory = try await enrolMallory(t, selfSigned: selfSigned)
        do {
            _ = try await t.vault.proveOfficer("mallory", passphrase: t.passphrase, for: .approveDisposal)
            Issue.record("an officer enrolled by nobody proved themselves")
        } catch {
            #expect(error.code == .officerRefused, "\(error)")
            #expect(error.reason?.contains(selfSigned ? "not the vault's officer anchor" : "no signed enrolment") == true, "\(error)")
        }
        // The insider writes the signed approval themselves (as decideDisposition would have).
        try await t.vault.decideDisposition(id, approve: true, reason: "no further value", by: mallory)
        let report = try await t.vault.sweep(actor: "sweeper")
        #expect(report.destroyed == 0, "destroyed on the word of an officer nobody enrolled")
        #expect(report.refusedApprovals.first?.contains("not anchored") == true, "\(report.refusedApprovals)")
        #expect(try await t.vault.catalog.recording(id)?.state == .live)
        await v.remove()
    }

    @Test(arguments: CatalogBackend.available)
    func anAnchorPinnedOutsideTheVaultHoldsWhenTheInsiderAlsoRewritesTheKeyring(backend: CatalogBackend) async throws {
        let (v, rita, id) = try await queued(backend)
        let t = v.t
        let mallory = try await enrolMallory(t, selfSigned: true)
        // The keyring's anchor is a file the insider can write too.
        try Array((Hex.encode(mallory.publicKey) + "\n").utf8).withUnsafeBytes { try Data($0).write(to: t.vault.officerAnchorFile) }
        let pinned = t.vault.pinningOfficerAnchor(rita.publicKey)
        await #expect(throws: VaultError.self) { _ = try await pinned.proveOfficer("mallory", passphrase: t.passphrase, for: .approveDisposal) }
        try await t.vault.decideDisposition(id, approve: true, reason: "no further value", by: mallory)
        let report = try await pinned.sweep(actor: "sweeper")
        #expect(report.destroyed == 0 && report.refusedApprovals.count == 1, "\(report.refusedApprovals)")
        // Rita, the pinned anchor, still proves and decides.
        let proven = try await pinned.proveOfficer("rita", passphrase: t.passphrase, for: .approveDisposal)
        try await pinned.decideDisposition(id, approve: true, reason: "appraised", by: proven)
        #expect(try await pinned.sweep(actor: "sweeper").destroyed == 1)
        await v.remove()
    }

    @Test(arguments: CatalogBackend.available)
    func revokingAnOfficerBreaksTheChainOfThoseTheyEnrolledUntilAnotherEndorsesThem(backend: CatalogBackend) async throws {
        let (v, rita, _) = try await queued(backend)
        let t = v.t
        let carol = try await t.vault.addUser(name: "carol", role: "records-officer", patientPseudonyms: [], officerPassphrase: t.passphrase,
                                              by: .officer(try await t.vault.proveOfficer("rita", passphrase: t.passphrase, for: .manageUsers)))
        #expect(carol.record.enrolment?.prefix(32).elementsEqual(rita.publicKey) == true, "carol's enrolment is signed by rita")
        let carolProven = try await t.vault.proveOfficer("carol", passphrase: t.passphrase, for: .manageUsers)
        _ = try await t.vault.addUser(name: "dan", role: "records-officer", patientPseudonyms: [], officerPassphrase: t.passphrase,
                                      by: .officer(carolProven))
        _ = try await t.vault.proveOfficer("dan", passphrase: t.passphrase, for: .placeHold)
        try await t.vault.revokeUser(name: "carol", by: .officer(try await t.vault.proveOfficer("rita", passphrase: t.passphrase, for: .manageUsers)))
        do {
            _ = try await t.vault.proveOfficer("dan", passphrase: t.passphrase, for: .placeHold)
            Issue.record("dan proved through a revoked officer")
        } catch {
            #expect(error.code == .officerRefused && error.reason?.contains("was revoked") == true, "\(error)")
        }
        try await t.vault.endorseOfficer("dan", by: .officer(try await t.vault.proveOfficer("rita", passphrase: t.passphrase, for: .manageUsers)))
        _ = try await t.vault.proveOfficer("dan", passphrase: t.passphrase, for: .placeHold)
        await v.remove()
    }

    @Test(arguments: CatalogBackend.available)
    func everyPrivilegedVaultOperationRefusesAnUnprovenActorOnceTheVaultHasAnOfficer(backend: CatalogBackend) async throws {
        let (v, rita, id) = try await queued(backend)
        let t = v.t
        let anyone = Authority.unproven("cli:anyone")
        var refused: [String] = []
        func expectRefused(_ what: String, _ body: () async throws -> Void) async {
            do {
                try await body()
                Issue.record("\(what) was done unproven")
            } catch {
                if (error as? VaultError)?.code == .officerRefused { refused.append(what) } else { Issue.record("\(what): \(error)") }
            }
        }
        await expectRefused("hold place") { _ = try await t.vault.placeHold(recording: id, patient: nil, vaultPassphrase: nil, reason: "complaint", caseRef: "C-1", by: anyone) }
        await expectRefused("consent withdraw") { _ = try await t.vault.withdrawConsent(session: "S1", scope: "training", by: anyone) }
        await expectRefused("role add") { _ = try await t.vault.addRole("auditor", passphrase: t.passphrase, by: anyone) }
        await expectRefused("user revoke") { try await t.vault.revokeUser(name: "rita", by: anyone) }
        await expectRefused("request add") { _ = try await t.vault.addRequest(kind: .sar, received: "2029-01-02", by: anyone) }
        await expectRefused("fsck --repair") { _ = try await t.vault.fsck(repair: true, by: anyone) }
        #expect(refused.count == 6)
        // A clinician officer may record consent but not place a hold.
        let carol = try await t.officer("carol", role: "clinician", for: .consent)
        await expectRefused("hold place by a clinician officer") {
            _ = try await t.vault.placeHold(recording: id, patient: nil, vaultPassphrase: nil, reason: "complaint", caseRef: "C-1", by: .officer(carol))
        }
        #expect(try await t.vault.holds(includeReleased: true).isEmpty)
        _ = try await t.vault.placeHold(recording: id, patient: nil, vaultPassphrase: nil, reason: "complaint", caseRef: "C-1",
                                        by: .officer(try await t.vault.proveOfficer(rita.name, passphrase: t.passphrase, for: .placeHold)))
        await v.remove()
    }
}

@Suite("Disposition decisions check their officer and their text", .timeLimit(.minutes(10)))
struct DispositionDecisionChecks {
    @Test func aClinicianOfficerCannotApproveAndAReasonWithABidiControlIsRefused() async throws {
        let clock = TestClock("2026-01-10")
        let t = try await TestVault.make(roles: ["clinician", "records-officer", "supervisor", "trainer"], scopes: ["care", "training"],
                                         clock: clock.function)
        defer { t.remove() }
        let id = try await t.ingest([1, 2, 3], retentionClass: "training").id
        let rita = try await t.officer("rita")
        let carol = try await t.officer("carol", role: "clinician", for: .consent)
        clock.set("2029-01-11")
        #expect(try await t.vault.sweep(actor: "sweeper").queuedForReview == 1)
        let approvals: [(Officer, String, VaultError.Code)] = [(carol, "appraised", .officerRefused), (rita, "appraised \u{202E}lanigiro", .invalidText)]
        for (officer, reason, expected) in approvals {
            do {
                try await t.vault.decideDisposition(id, approve: true, reason: reason, by: officer)
                Issue.record("approved by \(officer.name) with reason \(reason)")
            } catch {
                #expect(error.code == expected, "\(error)")
            }
        }
        #expect(try await t.vault.catalog.dispositions(status: .pending).map(\.recording) == [id], "still waiting for review")
    }
}
