import Foundation
import SessionVault
import Testing
import VaultCrypto
import VaultIndex

/// The review before a subject-access release, in the library: drafts, decisions, the serious-harm
/// opinion, sign-off, and the checks the release makes.
@Suite("Subject-access review")
struct SubjectAccessReviewTests {
    struct Setup {
        let t: TestVault
        let officer: Officer
        let plain: RecordingID
        let group: RecordingID
        var vault: Vault { t.vault }

        static func make(clock: TestClock = TestClock(Date())) async throws -> Setup {
            let t = try await TestVault.make(clock: clock.function)
            _ = try await t.vault.recordConsent(ConsentRequest(session: "G1", patientIdentifier: "9434765919", scopes: ["care"], otherParticipants: true),
                                                vaultPassphrase: t.passphrase, by: .unproven("test"))
            let plain = try await t.ingest(pseudoRandomBytes(3000, seed: 1), session: "S1").id
            let group = try await t.ingest(pseudoRandomBytes(3000, seed: 2), session: "G1").id
            let officer = try await t.officer(for: .export)
            return Setup(t: t, officer: officer, plain: plain, group: group)
        }

        func draft() async throws -> Int64 {
            try #require(try await vault.draftSubjectAccessReview(patient: "9434765919", vaultPassphrase: t.passphrase, by: .officer(officer)).id)
        }

        /// A draft with the group session decided and no serious harm, signed off.
        func signedOff(includeGroup: Bool = true) async throws -> Int64 {
            let id = try await draft()
            try await vault.decideSubjectAccessItem(review: id, item: group.description, include: includeGroup,
                                                    category: includeGroup ? nil : .thirdParty, reason: "decided for the test", by: officer)
            _ = try await vault.recordHarmOpinion(review: id, professional: "Dr Hale", professionalRole: "consultant psychiatrist", reason: nil, by: officer)
            _ = try await vault.signOffSubjectAccessReview(id, by: officer)
            return id
        }

        func release(_ id: Int64) async throws {
            let role = try await vault.unlockRole("records-officer", passphrase: t.passphrase)
            _ = try await vault.exportSubjectAccess(review: id, recordsOfficer: role, vaultPassphrase: t.passphrase,
                                                    recipient: .scrypt(passphrase: try SecureBytes(copying: Array("bundle".utf8))), to: MemorySink(),
                                                    by: .officer(officer))
        }
    }

    /// Runs `body`, which must throw a ``VaultError`` that `matches`.
    func expectError(_ what: String, _ body: () async throws -> Void, matches: (VaultError) -> Bool) async {
        do {
            try await body()
            Issue.record("\(what): no error")
        } catch let error as VaultError {
            #expect(matches(error), "\(what): \(error)")
        } catch {
            Issue.record("\(what): \(error)")
        }
    }

    @Test func theDraftListsEveryItemAndLeavesTheGroupSessionOutUntilDecided() async throws {
        let s = try await Setup.make()
        defer { s.t.remove() }
        let id = try await s.draft()
        let review = try await s.vault.subjectAccessReview(id)
        #expect(Set(review.items.filter { $0.kind == .recording }.map(\.key)) == [s.plain.description, s.group.description])
        #expect(review.items.suffix(3).map(\.key) == ["consent-history", "access-log", "destruction-records"])
        #expect(review.items.count == 5)
        let group = try #require(review.items.first { $0.key == s.group.description })
        #expect(group.flag == "other-participants" && group.decision == .pending)
        #expect(review.items.filter { $0.key != s.group.description }.allSatisfy { $0.flag == nil && $0.decision == .include })
        #expect(!review.isSignedOff)

        await expectError("sign-off of an undecided draft", { _ = try await s.vault.signOffSubjectAccessReview(id, by: s.officer) }) { error in
            guard error.code == .accessReviewIncomplete else { return false }
            let missing = error.names
            return error.number == id && missing.count == 2 && missing[0].contains(s.group.description) && missing[1].contains("serious-harm")
        }
        let entries = try await s.vault.auditLog(actor: s.officer.actor)
        #expect(entries.contains { $0.draft.action == "sar.review.draft" && $0.draft.target == "sar-review:\(id)" })
    }

    @Test func decisionsAreAuditedAndFrozenOnceSignedOff() async throws {
        let s = try await Setup.make()
        defer { s.t.remove() }
        let id = try await s.signedOff()
        let review = try await s.vault.subjectAccessReview(id)
        #expect(review.signedBy == s.officer.actor && review.signature?.count == 96)
        #expect(review.items.first { $0.key == s.group.description }?.decision == .include)
        let actions = try await s.vault.auditLog(actor: s.officer.actor).filter { $0.draft.target == "sar-review:\(id)" }.map(\.draft.action)
        #expect(actions == ["sar.review.draft", "sar.review.include", "sar.review.harm", "sar.review.sign-off"])
        await expectError("a decision after sign-off", {
            try await s.vault.decideSubjectAccessItem(review: id, item: s.plain.description, include: false, category: .otherExemption, reason: "late",
                                                      by: s.officer)
        }) { error in
            return error.code == .accessReviewRefused && error.number == id
        }
        await expectError("a second sign-off", { _ = try await s.vault.signOffSubjectAccessReview(id, by: s.officer) }) { error in
            return error.code == .accessReviewRefused
        }
    }

    @Test func anItemWithheldForSeriousHarmIsNotReleasedByAnOfficer() async throws {
        let s = try await Setup.make()
        defer { s.t.remove() }
        let id = try await s.draft()
        await expectError("serious harm without the opinion", {
            try await s.vault.decideSubjectAccessItem(review: id, item: s.plain.description, include: false, category: .seriousHarm, reason: "x",
                                                      by: s.officer)
        }) { error in
            return error.code == .accessReviewRefused
        }
        _ = try await s.vault.recordHarmOpinion(review: id, professional: "Dr Hale", professionalRole: "consultant psychiatrist",
                                                withhold: [String(s.plain.description.prefix(8))], reason: "would be likely to cause serious harm",
                                                by: s.officer)
        let withheld = try #require(try await s.vault.subjectAccessReview(id).items.first { $0.key == s.plain.description })
        #expect(withheld.decision == .exclude && withheld.category == "serious-harm")
        await expectError("an officer overriding the opinion", {
            try await s.vault.decideSubjectAccessItem(review: id, item: s.plain.description, include: true, reason: "x", by: s.officer)
        }) { error in
            return error.code == .accessReviewRefused && error.reason?.contains("serious-harm") == true
        }
        await expectError("a second opinion on the same draft", {
            _ = try await s.vault.recordHarmOpinion(review: id, professional: "Dr Other", professionalRole: "GP", reason: nil, by: s.officer)
        }) { error in
            return error.code == .accessReviewRefused
        }
    }

    @Test func anUnsignedDraftIsNotReleased() async throws {
        let s = try await Setup.make()
        defer { s.t.remove() }
        let id = try await s.draft()
        try await s.vault.decideSubjectAccessItem(review: id, item: s.group.description, include: true, reason: "all consented", by: s.officer)
        _ = try await s.vault.recordHarmOpinion(review: id, professional: "Dr Hale", professionalRole: "consultant psychiatrist", reason: nil, by: s.officer)
        await expectError("release of a draft", { try await s.release(id) }) { error in
            return error.code == .accessReviewNotSignedOff && error.number == id
        }
        await expectError("release of a review that does not exist", { try await s.release(id + 99) }) { error in
            return error.code == .accessReviewNotFound
        }
        #expect(try await s.vault.auditLog(actor: s.officer.actor).contains { $0.draft.action == "export.subject" } == false)
    }

    @Test func aDraftWhoseRecordingWasDestroyedIsNotReleased() async throws {
        let s = try await Setup.make()
        defer { s.t.remove() }
        let id = try await s.signedOff()
        _ = try await s.vault.catalog.beginDisposal([(s.plain, "test")], at: Date(), actor: "test")
        await expectError("release of a stale review", { try await s.release(id) }) { error in
            guard error.code == .accessReviewStale else { return false }
            let changes = error.names
            return error.number == id && changes.count == 1 && changes[0].contains(s.plain.description) && changes[0].contains("no longer in the vault")
        }
    }

    @Test func aDecisionAlteredInTheCatalogAfterSignOffIsNotReleased() async throws {
        let s = try await Setup.make()
        defer { s.t.remove() }
        let id = try await s.signedOff(includeGroup: false)
        var review = try await s.vault.subjectAccessReview(id)
        let index = try #require(review.items.firstIndex { $0.key == s.group.description })
        review.items[index].decision = .include
        review.items[index].category = nil
        try await s.vault.catalog.updateAccessReview(review, expectedRevision: review.revision, audit: AuditDraft(actor: "intruder", recordedAction: "x"))
        await expectError("release of an altered review", { try await s.release(id) }) { error in
            return error.code == .accessReviewTampered && error.number == id
        }
    }

    @Test func anOpinionOlderThanSixMonthsIsNotReliedOn() async throws {
        let clock = TestClock("2026-01-10")
        let s = try await Setup.make(clock: clock)
        defer { s.t.remove() }
        let early = try await s.draft()
        await expectError("an opinion already too old", {
            _ = try await s.vault.recordHarmOpinion(review: early, professional: "Dr Hale", professionalRole: "consultant psychiatrist",
                                                    givenOn: "2025-07-09", reason: nil, by: s.officer)
        }) { error in
            return error.code == .invalidArgument && error.message.contains("6 months")
        }
        let id = try await s.signedOff()
        clock.set("2026-07-11")
        await expectError("release on an expired opinion", { try await s.release(id) }) { error in
            return error.code == .accessReviewRefused && error.number == id && error.reason?.contains("2026-01-10") == true
        }
    }
}

/// The Art. 15 supplementary information is configurable, key by key, in `config.toml`.
@Suite("Subject-access notice configuration")
struct SubjectAccessNoticeConfigTests {
    @Test func eachKeyReplacesOneParagraphAndUnknownKeysAreRefused() async throws {
        var config = VaultConfig.makeDefault(vaultID: "v")
        #expect(config.subjectAccess.complaints.contains("ico.org.uk") && config.subjectAccess.complaints.contains("0303 123 1113"))
        config.subjectAccess.controller = "Northshire MH Trust; DPO: dpo@example.nhs.uk\nline two"
        let parsed = try VaultConfig.parse(config.tomlText(), path: "config.toml")
        #expect(parsed.subjectAccess == config.subjectAccess)
        #expect(parsed.subjectAccess.retention == SubjectAccessNotice.nhsMentalHealthDefault.retention)
        let bad = config.tomlText().replacingOccurrences(of: "[subject_access]", with: "[subject_access]\nfee = \"none\"")
        await expectVaultError(.config) { try VaultConfig.parse(bad, path: "config.toml") }
    }
}
