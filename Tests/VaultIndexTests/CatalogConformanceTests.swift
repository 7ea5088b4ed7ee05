import Foundation
import Testing
import VaultIndex

/// The contract of ``Catalog``, checked on every backend.
@Suite("Catalog conformance", .timeLimit(.minutes(30)))
struct CatalogConformanceTests {
    static let audit = AuditDraft(actor: "test", recordedAction: "test")

    static func staging(_ id: RecordingID, session: String = "s1") -> StagingRecord {
        StagingRecord(id: id, session: session, clinician: "dr-a", retentionClass: "care", startedAt: Date(), processID: 1, host: "h")
    }

    static func live(_ id: RecordingID, session: String = "s1", patient: String = "p1", chunks: Int = 3) -> RecordingRecord {
        RecordingRecord(id: id, state: .live, session: session, patient: patient, clinician: "dr-a", retentionClass: "care",
                        mediaType: "video/webm", byteCount: 10, chunkSize: 4, chunkCount: chunks, algorithm: .aes256gcm, manifest: [1, 2],
                        manifestTag: [3, 4], createdAt: Date(), capturedOn: "2026-01-02", dueOn: "2046-01-02")
    }

    static func commit(_ catalog: any Catalog, _ id: RecordingID, session: String = "s1", patient: String = "p1", roles: [String] = ["clinician"]) async throws {
        try await catalog.beginStaging(staging(id, session: session))
        let chunks = (0..<3).map { ChunkRecord(index: $0, sealedSize: 60, digest: [UInt8](repeating: UInt8($0), count: 32)) }
        let wraps = roles.map { WrapRecord(recording: id, role: $0, keyID: "k1", wrapped: [9]) }
        try await catalog.commitRecording(live(id, session: session, patient: patient), chunks: chunks, wraps: wraps, audit: audit)
    }

    @Test(arguments: CatalogBackend.enabled)
    func migratingTwiceIsHarmless(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let version = try await catalog.schemaVersion()
            try await catalog.migrate()
            #expect(try await catalog.schemaVersion() == version)
            #expect(version >= 1)
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func stagingRecordingsAreInvisibleUntilCommitted(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let id = RecordingID.random()
            try await catalog.beginStaging(Self.staging(id))
            #expect(try await catalog.recording(id) == nil)
            #expect(try await catalog.recordings(RecordingFilter()).isEmpty)
            #expect(try await catalog.stagingRecords().map(\.id) == [id])
            #expect(try await catalog.knownRecordings(among: [id]) == [id])
            try await catalog.commitRecording(Self.live(id), chunks: [], wraps: [], audit: Self.audit)
            #expect(try await catalog.recording(id)?.state == .live)
            #expect(try await catalog.stagingRecords().isEmpty)
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func committingTwiceOrWithoutStagingFails(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let id = RecordingID.random()
            await #expect(throws: CatalogError.notFound(what: "staging recording", id: id.description)) { try await catalog.commitRecording(Self.live(id), chunks: [], wraps: [], audit: Self.audit) }
            try await Self.commit(catalog, id)
            await #expect(throws: CatalogError.invalidState(recording: id.description, expected: "staging", found: "live")) { try await catalog.commitRecording(Self.live(id), chunks: [], wraps: [], audit: Self.audit) }
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func aFailedCommitLeavesNothingBehind(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let id = RecordingID.random()
            try await catalog.beginStaging(Self.staging(id))
            let duplicate = [ChunkRecord(index: 0, sealedSize: 1, digest: [1]), ChunkRecord(index: 0, sealedSize: 1, digest: [1])]
            await #expect {
                try await catalog.commitRecording(Self.live(id), chunks: duplicate, wraps: [], audit: Self.audit)
            } throws: { if case .constraint? = $0 as? CatalogError { true } else { false } }
            #expect(try await catalog.recording(id) == nil)
            #expect(try await catalog.chunks(of: id, in: 0..<10).isEmpty)
            #expect(try await catalog.stagingRecords().map(\.id) == [id])
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func chunksWrapsAndFiltersRoundTrip(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let a = RecordingID.random(), b = RecordingID.random()
            try await Self.commit(catalog, a, session: "s1", patient: "p1", roles: ["clinician", "records-officer"])
            try await Self.commit(catalog, b, session: "s2", patient: "p2")
            #expect(try await catalog.chunks(of: a, in: 1..<3).map(\.index) == [1, 2])
            #expect(try await catalog.chunks(of: a, in: 0..<3).map(\.digest) == (0..<3).map { [UInt8](repeating: UInt8($0), count: 32) })
            #expect(try await catalog.wrap(of: a, role: "clinician")?.wrapped == [9])
            #expect(try await catalog.wrap(of: a, role: "supervisor") == nil)
            #expect(try await catalog.wrapRoles(of: a) == ["clinician", "records-officer"])
            #expect(try await catalog.recordings(RecordingFilter(patient: "p2")).map(\.id) == [b])
            #expect(try await catalog.recordings(RecordingFilter(session: "s1")).map(\.id) == [a])
            #expect(try await catalog.recordings(RecordingFilter(clinician: "dr-a")).count == 2)
            #expect(try await catalog.recordings(RecordingFilter(retentionClass: "training")).isEmpty)
            #expect(try await catalog.recordings(RecordingFilter(since: Date(timeIntervalSinceNow: 3600))).isEmpty)
            var before = RecordingFilter()
            before.until = Date(timeIntervalSinceNow: -3600)
            #expect(try await catalog.recordings(before).isEmpty, "until: stored before that instant only")
            before.until = Date(timeIntervalSinceNow: 3600)
            #expect(try await catalog.recordings(before).count == 2)
            let row = try #require(try await catalog.recording(a))
            #expect(row == Self.live(a).with(createdAt: row.createdAt))
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func recordingsWrappedForARoleAreFoundInOneCall(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let both = RecordingID.random(), clinicianOnly = RecordingID.random(), supervisorOnly = RecordingID.random()
            try await Self.commit(catalog, both, roles: ["clinician", "supervisor"])
            try await Self.commit(catalog, clinicianOnly, roles: ["clinician"])
            try await Self.commit(catalog, supervisorOnly, roles: ["supervisor"])
            let unknown = RecordingID.random()
            let all = [both, clinicianOnly, supervisorOnly, unknown]
            #expect(try await catalog.recordingsWrapped(for: "clinician", among: all) == [both, clinicianOnly])
            #expect(try await catalog.recordingsWrapped(for: "supervisor", among: all) == [both, supervisorOnly])
            #expect(try await catalog.recordingsWrapped(for: "trainer", among: all).isEmpty)
            #expect(try await catalog.recordingsWrapped(for: "clinician", among: []).isEmpty)
            #expect(try await catalog.recordingsWrapped(for: "clinician", among: [supervisorOnly, both]) == [both])
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func discardingStagingRemovesOnlyStaging(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let staged = RecordingID.random(), committed = RecordingID.random()
            try await catalog.beginStaging(Self.staging(staged))
            try await Self.commit(catalog, committed)
            try await catalog.discardStaging(staged, audit: Self.audit)
            #expect(try await catalog.knownRecordings(among: [staged, committed]) == [committed])
            await #expect(throws: CatalogError.notFound(what: "staging recording", id: committed.description)) { try await catalog.discardStaging(committed, audit: Self.audit) }
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func rolesAreUniqueAndRotatable(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let role = RoleRecord(name: "clinician", publicKey: [1], keyID: "k1", createdAt: Date())
            try await catalog.addRole(role, audit: Self.audit)
            await #expect(throws: CatalogError.alreadyExists(what: "role", id: "clinician")) { try await catalog.addRole(role, audit: Self.audit) }
            let id = RecordingID.random()
            try await Self.commit(catalog, id)
            try await catalog.setRoleKey("clinician", publicKey: [2], keyID: "k2", audit: Self.audit)
            #expect(try await catalog.role(named: "clinician")?.keyID == "k2")
            #expect(try await catalog.wrapsToRotate(role: "clinician", notKeyID: "k2", limit: 10).map(\.recording) == [id])
            #expect(try await catalog.keyIDsInUse(role: "clinician") == ["k1"])
            let replaced = try await catalog.replaceWraps([WrapRecord(recording: id, role: "clinician", keyID: "k2", wrapped: [7])])
            #expect(replaced == 1)
            #expect(try await catalog.wrapsToRotate(role: "clinician", notKeyID: "k2", limit: 10).isEmpty)
            #expect(try await catalog.wrap(of: id, role: "clinician")?.wrapped == [7])
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func aSessionHasOneActiveConsentPerScopeAndOnePatient(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            try await catalog.upsertPatient(PatientRecord(pseudonym: "p1", identifierSealed: [1]))
            try await catalog.upsertPatient(PatientRecord(pseudonym: "p2", identifierSealed: [2]))
            let care = ConsentRecord(session: "s1", patient: "p1", scope: "care", evidenceSealed: nil, givenOn: "2026-01-01", recordedAt: Date())
            try await catalog.recordConsents([care], audit: Self.audit)
            await #expect(throws: CatalogError.alreadyExists(what: "active consent scope 'care' for session", id: "s1")) { try await catalog.recordConsents([care], audit: Self.audit) }
            var other = care
            other.patient = "p2"
            other.scope = "training"
            await #expect(throws: CatalogError.invalidState(recording: "session s1", expected: "consent for the session's own patient", found: "consent for a different patient")) { try await catalog.recordConsents([other], audit: Self.audit) }
            #expect(try await catalog.consents(session: "s1").map(\.scope) == ["care"])
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func aConsentChangeRenewsAddsWrapsAndMovesDueDatesInOneTransaction(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            try await catalog.upsertPatient(PatientRecord(pseudonym: "p1", identifierSealed: [1]))
            let training = ConsentRecord(session: "s1", patient: "p1", scope: "training", evidenceSealed: nil, givenOn: "2026-01-01", recordedAt: Date())
            try await catalog.recordConsents([training], audit: Self.audit)
            let live = RecordingID.random(), gone = RecordingID.random()
            try await Self.commit(catalog, live)
            try await Self.commit(catalog, gone)
            _ = try await catalog.beginDisposal([(gone, "test")], at: Date(), actor: "test")

            var renewal = training
            renewal.givenOn = "2026-06-01"
            renewal.evidenceSealed = [7]
            let wraps = [live, gone].map { WrapRecord(recording: $0, role: "trainer", keyID: "k", wrapped: [5]) }
                + [WrapRecord(recording: live, role: "clinician", keyID: "k", wrapped: [6])]
            let added = try await catalog.changeConsent(ConsentChange(
                added: [renewal], renewedOn: "2026-06-01", wraps: wraps,
                dueUpdates: [DueDateUpdate(recording: live, dueOn: "2029-06-01", disposition: .review, rule: "3y after consent")],
                audit: AuditDraft(actor: "t", recordedAction: "consent.renew")))
            #expect(added == 1, "only the live recording's missing wrap")
            #expect(try await catalog.wrapRoles(of: live) == ["clinician", "trainer"])
            #expect(try await catalog.wrap(of: live, role: "clinician")?.wrapped == [9], "a wrap already there is kept")
            #expect(try await catalog.wrap(of: gone, role: "trainer") == nil)
            #expect(try await catalog.recording(live)?.dueOn == "2029-06-01")
            let rows = try await catalog.consents(session: "s1")
            #expect(rows.count == 2 && rows[0].supersededOn == "2026-06-01" && !rows[0].isActive)
            #expect(rows[1].renews == rows[0].id && rows[1].isActive && rows[1].evidenceSealed == [7])
            #expect(try await catalog.auditEntries(after: 0, limit: 100).last?.draft.detail == "1 wraps added")

            // A renewal of a scope with no active consent changes nothing.
            var research = renewal
            research.scope = "research"
            await #expect(throws: CatalogError.notFound(what: "active consent scope 'research' of session", id: "s1")) {
                try await catalog.changeConsent(ConsentChange(added: [research], renewedOn: "2026-06-02",
                                                              dueUpdates: [DueDateUpdate(recording: live, dueOn: nil, disposition: nil, rule: nil)],
                                                              audit: Self.audit))
            }
            #expect(try await catalog.recording(live)?.dueOn == "2029-06-01")
            #expect(try await catalog.consents(session: "s1").count == 2)
            // Withdrawal ends the renewal, not the superseded row; the scope can then be given again.
            _ = try await catalog.withdrawConsent(session: "s1", scope: "training", withdrawnOn: "2026-07-01", recordedAt: Date(),
                                                  revokeRoles: ["trainer"], dueUpdates: [], seal: nil, audit: Self.audit)
            #expect(try await catalog.consents(session: "s1").map(\.withdrawnOn) == [nil, "2026-07-01"])
            try await catalog.recordConsents([training], audit: Self.audit)
            #expect(try await catalog.consents(session: "s1").filter(\.isActive).count == 1)
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func anOfficersExtensionHoldsAgainstEveryLaterDueDate(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            let id = RecordingID.random()
            try await Self.commit(catalog, id)
            func due(_ day: CivilDate?) async throws {
                try await catalog.updateDueDates([DueDateUpdate(recording: id, dueOn: day, disposition: .review, rule: "r")], patient: nil, audit: Self.audit)
            }
            try await due("2026-01-05")
            #expect(try await catalog.queueReviews(on: "2026-02-01", at: Date(), limit: 10) == 1)
            try await catalog.decideDisposition(id, approve: false, extendUntil: "2030-01-01", reason: "teaching cycle", by: "officer:ro", at: Date(),
                                                signature: [1, 2], audit: Self.audit)
            #expect(try await catalog.recording(id)?.dueOn == "2030-01-01")
            try await due("2027-01-01")
            #expect(try await catalog.recording(id)?.dueOn == "2030-01-01", "an earlier date does not undo the extension")
            try await due("2031-01-01")
            #expect(try await catalog.recording(id)?.dueOn == "2031-01-01", "a later one stands")
            try await due(nil)
            #expect(try await catalog.recording(id)?.dueOn == nil, "kept until an event: longer than any extension")
            let kept = try await catalog.retentionExtensions(of: id)
            #expect(kept.map(\.untilOn) == ["2030-01-01"] && kept[0].reason == "teaching cycle" && kept[0].decidedBy == "officer:ro")
            #expect(kept[0].signature == [1, 2])
            #expect(try await catalog.retentionExtensions(of: RecordingID.random()).isEmpty)
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func aCommitChecksTheConsentItsWrapsWereMadeFor(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            try await catalog.upsertPatient(PatientRecord(pseudonym: "p1", identifierSealed: [1]))
            let consents = ["care", "training"].map {
                ConsentRecord(session: "s1", patient: "p1", scope: $0, evidenceSealed: nil, givenOn: "2026-01-01", recordedAt: Date())
            }
            try await catalog.recordConsents(consents, audit: Self.audit)
            let id = RecordingID.random()
            try await catalog.beginStaging(Self.staging(id))
            _ = try await catalog.withdrawConsent(session: "s1", scope: "training", withdrawnOn: "2026-01-02", recordedAt: Date(),
                                                  revokeRoles: ["trainer"], dueUpdates: [], seal: nil, audit: Self.audit)
            let wraps = ["clinician", "trainer"].map { WrapRecord(recording: id, role: $0, keyID: "k", wrapped: [1]) }
            await #expect(throws: CatalogError.consentChanged(session: "s1", expected: ["care", "training"], found: ["care"])) {
                try await catalog.commitRecording(Self.live(id), chunks: [], wraps: wraps, consentedScopes: ["training", "care"], audit: Self.audit)
            }
            #expect(try await catalog.recording(id) == nil, "nothing committed")
            #expect(try await catalog.stagingRecords().map(\.id) == [id])
            try await catalog.commitRecording(Self.live(id), chunks: [], wraps: [wraps[0]], consentedScopes: ["care"], audit: Self.audit)
            #expect(try await catalog.wrapRoles(of: id) == ["clinician"])
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func everyChangeExtendsOneUnbrokenAuditChain(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            try await catalog.addRole(RoleRecord(name: "r", publicKey: [1], keyID: "k", createdAt: Date()), audit: AuditDraft(actor: "a", recordedAction: "role.add"))
            try await Self.commit(catalog, RecordingID.random())
            try await catalog.appendAudit(AuditDraft(actor: "b", recordedAction: "get", outcome: "refused"))
            let entries = try await catalog.auditEntries(after: 0, limit: 100)
            #expect(entries.map(\.sequence) == [1, 2, 3])
            #expect(entries.map(\.draft.action) == ["role.add", "test", "get"])
            #expect(entries.allSatisfy { $0.isSelfConsistent })
            #expect(entries[0].previousHash == AuditEntry.genesisHash)
            #expect(entries[1].previousHash == entries[0].hash && entries[2].previousHash == entries[1].hash)
            #expect(try await catalog.auditEntries(after: 2, limit: 10).map(\.sequence) == [3])
        }
    }

    @Test(arguments: CatalogBackend.enabled)
    func concurrentAuditAppendsFormOneUnbrokenChain(_ backend: CatalogBackend) async throws {
        try await backend.withCatalog { catalog in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<100 {
                    group.addTask { try await catalog.appendAudit(AuditDraft(actor: "user\(n)", recordedAction: "get", target: "r\(n)")) }
                }
                try await group.waitForAll()
            }
            let entries = try await catalog.auditEntries(after: 0, limit: 1000)
            #expect(entries.map(\.sequence) == Array(1...100))
            #expect(Set(entries.map(\.draft.actor)) == Set((0..<100).map { "user\($0)" }))
            #expect(entries.allSatisfy { $0.isSelfConsistent })
            #expect(zip(entries.dropFirst(), entries).allSatisfy { $0.previousHash == $1.hash })
        }
    }
}

extension RecordingRecord {
    func with(createdAt: Date) -> RecordingRecord {
        var copy = self
        copy.createdAt = createdAt
        return copy
    }
}
