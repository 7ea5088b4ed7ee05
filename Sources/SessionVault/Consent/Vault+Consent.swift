import Foundation
import Retention
public import VaultCrypto
public import VaultIndex

/// A patient's consent to record a session for one or more purposes (scopes).
public struct ConsentRequest: Sendable {
    public var session: String
    /// The patient's identifier (e.g. NHS number). Stored only as a keyed-hash pseudonym plus a
    /// copy sealed to the records officer.
    public var patientIdentifier: String
    public var scopes: [String]
    /// Where the consent is evidenced (form reference, note of oral consent).
    public var evidence: String?
    /// The date consent was given; today if nil.
    public var givenOn: CivilDate?
    /// Other people took part (group or family session): copies need redaction review before release.
    public var otherParticipants: Bool

    public init(session: String, patientIdentifier: String, scopes: [String], evidence: String? = nil, givenOn: CivilDate? = nil,
                otherParticipants: Bool = false) {
        self.session = session
        self.patientIdentifier = patientIdentifier
        self.scopes = scopes
        self.evidence = evidence
        self.givenOn = givenOn
        self.otherParticipants = otherParticipants
    }
}

extension Vault {
    /// The role that holds the sealed copy of patient identifiers and consent evidence.
    func recordsRole() async throws -> RoleRecord {
        guard let name = config.alwaysWrap.first else {
            throw VaultError.config(path: layout.configFile.path, line: nil, message: "always_wrap must name the records officer's role")
        }
        guard let role = try await catalog.role(named: name) else { throw VaultError.scopeRoleMissing(scope: "always_wrap", role: name) }
        return role
    }

    static func validateSession(_ session: String) throws {
        let ok = session.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
        }
        guard !session.isEmpty, session.count <= 128, ok else {
            throw VaultError.invalidName(what: "session id", value: String(session.prefix(40)), rule: "use 1-128 letters, digits, '-', '_' or '.'")
        }
    }

    /// Records consent scopes for a session. Needs the vault passphrase (to compute the patient's pseudonym).
    ///
    /// Consent given after recordings were stored (a scope added later, or given again after a
    /// withdrawal) changes them in the same transaction: the roles it newly allows get wraps of
    /// those recordings' keys, re-wrapped with `keyHolder` (a role that already holds them, such as
    /// the records officer's), and their due dates are recomputed, so a withdrawal's grace period
    /// no longer applies once consent is active again. Without `keyHolder` such a change is refused.
    @discardableResult
    public func recordConsent(_ request: ConsentRequest, vaultPassphrase: SecureBytes, keyHolder: UnlockedRole? = nil,
                              by authority: Authority) async throws(VaultError) -> [ConsentRecord] {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .consent)
            try Self.validateSession(request.session)
            try AuditText.check(request.evidence, field: "consent evidence")
            let identifier = request.patientIdentifier.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !identifier.isEmpty else { throw VaultError.invalidArgument("the patient identifier is empty") }
            try validateScopes(request.scopes)
            let givenOn = try consentDate(request.givenOn)
            let records = try await recordsRole()
            let recordsKey = try RolePublicKey(bytes: records.publicKey)
            let pseudonym = try await pseudonymKey(officer: authority.officer, vaultPassphrase: vaultPassphrase).pseudonym(of: identifier)
            if try await catalog.patient(pseudonym) == nil {
                let sealed = try Array(identifier.utf8).withUnsafeBytes { try SealedBox.seal($0, to: recordsKey) }
                try await catalog.upsertPatient(PatientRecord(pseudonym: pseudonym, identifierSealed: sealed))
            }
            let existing = try await consents(of: request.session)
            if let other = existing.first, other.patient != pseudonym { throw VaultError.consentPatientMismatch(session: request.session) }
            let evidence = try request.evidence.map { text in try Array(text.utf8).withUnsafeBytes { try SealedBox.seal($0, to: recordsKey) } }
            let now = clock()
            let rows = Array(Set(request.scopes)).sorted().map { scope in
                ConsentRecord(session: request.session, patient: pseudonym, scope: scope, evidenceSealed: evidence, givenOn: givenOn, recordedAt: now,
                              otherParticipants: request.otherParticipants)
            }
            // (The catalog re-checks the patient and the active scopes inside its transaction, against a concurrent writer.)
            let change = try await consentEffects(session: request.session, before: existing, after: existing + rows, patient: pseudonym,
                                                  keyHolder: keyHolder)
            try await catalog.changeConsent(ConsentChange(
                added: rows, wraps: change.wraps, dueUpdates: change.dueUpdates, seal: consentSealer(authority),
                audit: AuditDraft(actor: actor, action: .consentRecord, target: request.session,
                                  detail: "scopes \(rows.map(\.scope).joined(separator: ",")) given \(givenOn)"
                                      + (change.dueUpdates.isEmpty ? "" : "; due dates of \(change.dueUpdates.count) recording(s) recomputed"))))
            return try await consents(of: request.session).filter { $0.isActive }
        }
    }

    /// Renews active consent: new evidence for the same scopes, given on `givenOn` (today if nil).
    /// The renewed consent is kept as history (superseded on that day); due dates are recomputed in
    /// the same transaction. Needs no passphrase: the evidence is sealed to the records officer.
    @discardableResult
    public func renewConsent(session: String, scopes: [String], evidence: String?, givenOn: CivilDate? = nil,
                             by authority: Authority) async throws(VaultError) -> [ConsentRecord] {
        try await vaultBoundary {
            let actor = try await authorize(authority, for: .consent)
            try Self.validateSession(session)
            try AuditText.check(evidence, field: "consent evidence")
            try validateScopes(scopes)
            let day = try consentDate(givenOn)
            let existing = try await consents(of: session)
            var renewed: [ConsentRecord] = []
            for scope in Array(Set(scopes)).sorted() {
                guard let active = existing.first(where: { $0.isActive && $0.scope == scope }) else {
                    throw VaultError.noActiveScope(session: session, scope: scope)
                }
                guard day >= active.givenOn else {
                    throw VaultError.invalidArgument("renewal date \(day) is before the consent it renews (scope '\(scope)', given \(active.givenOn))")
                }
                renewed.append(active)
            }
            let records = try RolePublicKey(bytes: try await recordsRole().publicKey)
            let sealed = try evidence.map { text in try Array(text.utf8).withUnsafeBytes { try SealedBox.seal($0, to: records) } }
            let now = clock()
            let rows = renewed.map { old in
                ConsentRecord(session: session, patient: old.patient, scope: old.scope, evidenceSealed: sealed, givenOn: day, recordedAt: now,
                              otherParticipants: old.otherParticipants, renews: old.id)
            }
            let renewedIDs = Set(renewed.compactMap(\.id))
            let after = existing.map { row -> ConsentRecord in
                guard let id = row.id, renewedIDs.contains(id) else { return row }
                var superseded = row
                superseded.supersededOn = day
                return superseded
            } + rows
            let change = try await consentEffects(session: session, before: existing, after: after, patient: renewed[0].patient, keyHolder: nil)
            try await catalog.changeConsent(ConsentChange(
                added: rows, renewedOn: day, wraps: change.wraps, dueUpdates: change.dueUpdates, seal: consentSealer(authority),
                audit: AuditDraft(actor: actor, action: .consentRenew, target: session,
                                  detail: "scopes \(rows.map(\.scope).joined(separator: ",")) renewed \(day)")))
            return try await consents(of: session).filter { $0.isActive }
        }
    }

    func validateScopes(_ scopes: [String]) throws {
        guard !scopes.isEmpty else { throw VaultError.invalidArgument("give at least one --scope (\(config.scopes.keys.sorted().joined(separator: ", ")))") }
        for scope in scopes where config.scopes[scope] == nil {
            throw VaultError.unknownScope(scope, known: config.scopes.keys.sorted())
        }
    }

    /// The day consent was given: the one given, which may not be after today, or today.
    func consentDate(_ date: CivilDate?) throws -> CivilDate {
        guard let date else { return CivilDate(clock()) }
        guard date <= CivilDate(clock()) else { throw VaultError.invalidArgument("consent date \(date) is in the future") }
        return date
    }

    /// What a consent change does to the session's stored recordings: wraps for the roles it newly
    /// allows (re-wrapped with `keyHolder`), and the due dates the schedule gives under `after`.
    func consentEffects(session: String, before: [ConsentRecord], after: [ConsentRecord], patient: String,
                        keyHolder: UnlockedRole?) async throws -> (wraps: [WrapRecord], dueUpdates: [DueDateUpdate]) {
        let recordings = try await catalog.recordings(RecordingFilter(session: session)).filter { $0.state == .live }
        guard !recordings.isEmpty else { return ([], []) }
        let had = Set(config.roles(forScopes: before.filter(\.isActive).map(\.scope)))
        let gained = config.roles(forScopes: after.filter(\.isActive).map(\.scope)).filter { !had.contains($0) }
        var wraps: [WrapRecord] = []
        if !gained.isEmpty {
            var targets: [(name: String, publicKey: RolePublicKey, keyID: String)] = []
            for name in gained {
                guard let role = try await catalog.role(named: name) else { throw VaultError.scopeRoleMissing(scope: "consent", role: name) }
                targets.append((name, try RolePublicKey(bytes: role.publicKey), role.keyID))
            }
            for recording in recordings {
                let present = Set(try await catalog.wrapRoles(of: recording.id))
                let missing = targets.filter { !present.contains($0.name) }
                if missing.isEmpty { continue }
                guard let keyHolder else {
                    throw VaultError.consentNeedsKeyHolder(session: session, roles: gained, recordings: recordings.count, holder: nil, recording: nil)
                }
                guard let wrap = try await catalog.wrap(of: recording.id, role: keyHolder.name), let key = keyHolder.keys[wrap.keyID] else {
                    throw VaultError.consentNeedsKeyHolder(session: session, roles: gained, recordings: recordings.count, holder: keyHolder.name,
                                                           recording: recording.id)
                }
                let dataKey = try await unwrapDataKey(wrap, with: key)
                wraps += try await makeWraps(dataKey, recording: recording.id, roles: missing)
            }
        }
        let planner = try retentionPlanner()
        let patientRow = try await catalog.patient(patient)
        var updates: [DueDateUpdate] = []
        for recording in recordings {
            let update = try await scheduledUpdate(of: recording, planner: planner, patient: patientRow, consents: after)
            if update.dueOn != recording.dueOn || update.rule != recording.retentionRule || update.disposition != recording.disposition {
                updates.append(update)
            }
        }
        return (wraps, updates)
    }

    /// A session's consent history, oldest first: given, renewed and withdrawn scopes (pseudonymous; the evidence stays sealed).
    public func consentHistory(session: String) async throws(VaultError) -> [ConsentRecord] {
        try await vaultBoundary {
            try Self.validateSession(session)
            return try await consents(of: session)
        }
    }

}
