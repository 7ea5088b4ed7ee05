import Foundation
import VaultCrypto
import VaultIndex

/// Officers' seals over consent registers.
///
/// Consent decides which roles get a recording's key at ingest, which wraps a withdrawal deletes,
/// when a recording becomes due, and whose care list an upload checks. An insider who can write
/// the catalog could otherwise add a scope (the next recording of the session is wrapped for a role
/// the patient never agreed to), or delete or withdraw one (the recording falls due and the sweeper
/// destroys it). So every change an officer makes signs the session's whole register as the change
/// leaves it (rows, ids, dates, withdrawals, renewals), in the same transaction; every decision that
/// reads consent verifies that seal along the officer's enrolment chain first, and `fsck` reports a
/// register that does not verify. A vault with no officer yet has no seals; the first officer seals
/// the registers as they stand when enrolled, and `fsck --repair` seals any still unsealed.
extension Vault {
    /// The bytes a consent seal signs: the vault, the session, the time, then every row in id order.
    func consentStatement(session: String, rows: [ConsentRecord], atMillis: Int64) -> [UInt8] {
        var bytes = Array("sessionvault consent register v1\0".utf8) + Array(config.vaultID.utf8) + [0] + Array(session.utf8) + [0]
        func int(_ value: Int64) { withUnsafeBytes(of: value.bigEndian) { bytes += $0 } }
        func text(_ value: String?) {
            guard let value else { bytes.append(0); return }
            bytes.append(1)
            int(Int64(value.utf8.count))
            bytes += Array(value.utf8)
        }
        int(atMillis)
        int(Int64(rows.count))
        for row in rows.sorted(by: { ($0.id ?? 0) < ($1.id ?? 0) }) {
            int(row.id ?? -1)
            text(row.session)
            text(row.patient)
            text(row.scope)
            text(row.evidenceSealed.map { Hex.encode(ChunkDigest.sha256($0)) })
            text(row.givenOn.description)
            int(Self.signatureMillis(row.recordedAt))
            text(row.withdrawnOn?.description)
            text(row.withdrawalRecordedAt.map { String(Self.signatureMillis($0)) })
            bytes.append(row.otherParticipants ? 1 : 0)
            text(row.supersededOn?.description)
            text(row.renews.map(String.init))
        }
        return bytes
    }

    /// The sealer an officer's consent change gives the catalog; nil for an unproven authority
    /// (allowed only in a vault with no officer yet, which keeps no seals).
    func consentSealer(_ authority: Authority) -> ConsentSealer? {
        authority.officer.map(consentSealer(of:))
    }

    func consentSealer(of officer: Officer) -> ConsentSealer {
        let vault = self
        let clock = self.clock
        return { session, rows in
            let signed = officer.signDecision(at: clock()) { vault.consentStatement(session: session, rows: rows, atMillis: $0) }
            return ConsentSeal(session: session, signedBy: officer.actor, signedAt: signed.at, signature: signed.signature)
        }
    }

    /// Why `register` cannot be trusted, or nil. Unsealed registers are trusted only in a vault
    /// that does not (yet) need officers.
    func consentRefusal(of register: ConsentRegister, session: String) async throws -> String? {
        guard let seal = register.seal else {
            if try await !officersRequired() { return nil }
            if register.rows.isEmpty {
                // Recordings are stored only with consent: a session that has live ones and no rows lost them outside the vault.
                if try await catalog.recordings(RecordingFilter(session: session, limit: 1)).isEmpty { return nil }
                return "its live recordings were stored with consent, but no consent rows remain (deleted outside the vault)"
            }
            return "it is not signed by an officer (rows added outside the vault, or from before consent was signed: `fsck --repair` signs those)"
        }
        let verdict = try await verifyOfficerSignature(by: seal.signedBy, at: seal.signedAt, signature: seal.signature, privilege: .consent) {
            self.consentStatement(session: session, rows: register.rows, atMillis: $0)
        }
        if case .failure(let refusal) = verdict {
            return "the seal by \(seal.signedBy): \(refusal.reason)"
        }
        return nil
    }

    /// A session's consent rows, once their seal verifies (``VaultError/consentRegisterAltered(session:reason:)`` if not).
    func consents(of session: String) async throws -> [ConsentRecord] {
        let register = try await catalog.consentRegister(session: session)
        if let reason = try await consentRefusal(of: register, session: session) {
            throw VaultError.consentRegisterAltered(session: session, reason: reason)
        }
        return register.rows
    }

    /// The sessions whose consent registers are unsealed, and those whose seals do not verify (with why).
    func consentRegisterProblems() async throws -> (unsealed: [String], altered: [(session: String, reason: String)]) {
        var unsealed: [String] = []
        var altered: [(session: String, reason: String)] = []
        let required = try await officersRequired()
        for (session, sealed) in try await catalog.consentSessions() {
            if !sealed {
                if required { unsealed.append(session) }
                continue
            }
            if let reason = try await consentRefusal(of: try await catalog.consentRegister(session: session), session: session) {
                altered.append((session, reason))
            }
        }
        return (unsealed, altered)
    }

    /// Seals every unsealed consent register as it stands, as `officer`: when the first officer is
    /// enrolled, and by `fsck --repair`. Returns how many were sealed.
    func sealUnsealedConsentRegisters(as officer: Officer, reason: String) async throws -> Int {
        guard OfficerPrivilege.consent.allowedRoles.contains(officer.role) else { return 0 }
        let unsealed = try await catalog.consentSessions().filter { !$0.sealed }.map(\.session)
        guard !unsealed.isEmpty else { return 0 }
        return try await catalog.sealConsentRegisters(unsealed, seal: consentSealer(of: officer), audit: AuditDraft(
            actor: officer.actor, action: .consentSeal, detail: "\(unsealed.count) consent register(s) signed as they stand; \(reason)"))
    }
}
